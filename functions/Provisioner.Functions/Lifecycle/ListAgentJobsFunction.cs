using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class ListAgentJobsFunction(IServiceProvider services)
{
    private readonly JobListHandler handler = services.GetRequiredService<JobListHandler>();

    [Function("ListAgentJobs")]
    [Access(Access.Reader)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "agents/{agentId}/jobs")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        handler.ForAgentAsync(request, agentId, cancellationToken);
}
