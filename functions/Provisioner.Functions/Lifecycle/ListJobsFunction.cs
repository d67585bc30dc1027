using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Lifecycle;

public sealed class ListJobsFunction(JobListHandler handler, StorageGuard guard)
{
    [Function("ListJobs")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        guard.RunAsync("ListJobs", () => handler.AllAsync(request, cancellationToken), StorageGuard.ReadRetry, cancellationToken);
}
