using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Provisioner.Functions.Http;

/// <summary>
/// An RFC 9457 problem document, written by ASP.NET Core's own <see cref="ProblemDetails"/>
/// result (<c>application/problem+json</c>), with the two headers our answers add: no caching,
/// and <c>Retry-After</c> where trying again later will help.
/// </summary>
internal sealed class ProblemResult : IResult
{
    private readonly ProblemDetails _details;
    private readonly int? _retryAfterSeconds;

    public ProblemResult(int status, string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null, int? retryAfterSeconds = null)
    {
        _details = new ProblemDetails { Type = "about:blank", Title = title, Status = status, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            _details.Extensions[key] = value;
        }

        _retryAfterSeconds = retryAfterSeconds;
    }

    public int Status => _details.Status!.Value;

    public string Detail => _details.Detail!;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers.CacheControl = "no-store";
        if (_retryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(_details).ExecuteAsync(httpContext);
    }
}
