using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Lifecycle;

/// <summary>A page of a job list as <c>200</c> JSON: <c>{"jobs": […], "continuation": "…" | null}</c>, never cached.</summary>
internal sealed class JobPageResult(JobPage page) : IResult
{
    public JobPage Page { get; } = page;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var body = JsonSerializer.SerializeToUtf8Bytes(Page, Json.Options);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
