using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class ListJobsFunction(JobListHandler handler, StorageGuard guard)
{
    [Function("ListJobs")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        guard.RunAsync(request, Access.Reader, "ListJobs", () => handler.AllAsync(request, cancellationToken), StorageGuard.ReadRetry, cancellationToken);
}
