using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Lifecycle;

public sealed class ListAgentJobsFunction(JobListHandler handler, StorageGuard guard)
{
    [Function("ListAgentJobs")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "agents/{agentId}/jobs")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        guard.RunAsync("ListAgentJobs", () => handler.ForAgentAsync(request, agentId, cancellationToken), StorageGuard.ReadRetry, cancellationToken);
}
