using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class ListAgentJobsFunction(JobListHandler handler, StorageGuard guard)
{
    [Function("ListAgentJobs")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "agents/{agentId}/jobs")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        guard.RunAsync(request, Access.Reader, "ListAgentJobs", () => handler.ForAgentAsync(request, agentId, cancellationToken), StorageGuard.ReadRetry, cancellationToken);
}
