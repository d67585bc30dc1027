using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.Http;

/// <summary>An RFC 9457 problem document (<c>application/problem+json</c>) with a <c>detail</c> a person can act on.</summary>
public sealed class ProblemResult(int status, string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null, int? retryAfterSeconds = null) : IResult
{
    public const string ContentType = "application/problem+json";

    public int Status => status;
    public string Detail => detail;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var body = new Dictionary<string, object?>
        {
            ["type"] = "about:blank",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            body[key] = value;
        }

        var response = httpContext.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, Json.Options), httpContext.RequestAborted);
    }
}
