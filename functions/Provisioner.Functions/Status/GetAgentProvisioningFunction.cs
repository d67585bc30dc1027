using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Status;

public sealed class GetAgentProvisioningFunction(IServiceProvider services)
{
    private readonly StatusHandler handler = services.GetRequiredService<StatusHandler>();

    [Function("GetAgentProvisioning")]
    [Access(Access.Reader)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "agents/{agentId}/provisioning")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        handler.ForAgentAsync(agentId, cancellationToken);
}
