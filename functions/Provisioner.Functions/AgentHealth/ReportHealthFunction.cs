using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.AgentHealth;

public sealed class ReportHealthFunction(ReportHealthHandler handler, StorageGuard guard)
{
    [Function("ReportAgentHealth")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "agents/{agentId}/health")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        // Open to people's tokens: the agent proves itself with its own key (ReportHealthHandler).
        guard.RunAsync(
            request,
            Access.Open,
            "ReportAgentHealth",
            () => handler.HandleAsync(request, agentId, cancellationToken),
            "The health store cannot be reached right now; the report was not kept. Send the next one as usual.",
            cancellationToken);
}
