using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.AgentHealth;

public sealed class ReportHealthFunction(IServiceProvider services)
{
    private readonly ReportHealthHandler handler = services.GetRequiredService<ReportHealthHandler>();

    /// <summary>Open to people's tokens: the agent proves itself with its own key (<see cref="ReportHealthHandler"/>).</summary>
    [Function("ReportAgentHealth")]
    [Access(Access.Open)]
    [StorageOutage("The health store cannot be reached right now; the report was not kept. Send the next one as usual.")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "agents/{agentId}/health")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, agentId, cancellationToken);
}
