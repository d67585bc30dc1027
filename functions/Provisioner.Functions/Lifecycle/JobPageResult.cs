using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Lifecycle;

/// <summary>A page of a job list as <c>200</c> JSON: <c>{"jobs": […], "continuation": "…" | null}</c>, never cached.</summary>
internal sealed class JobPageResult(JobPage page) : IResult
{
    public JobPage Page { get; } = page;

    public Task ExecuteAsync(HttpContext httpContext) => UncachedJson.WriteAsync(httpContext, Page);
}
