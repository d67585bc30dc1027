using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.Http;

/// <summary>A <c>200</c> with a JSON body that must not be cached (a page of a list): one way to write it for every list.</summary>
internal static class UncachedJson
{
    public static async Task WriteAsync<T>(HttpContext httpContext, T value)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var body = JsonSerializer.SerializeToUtf8Bytes(value, Json.Options);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
