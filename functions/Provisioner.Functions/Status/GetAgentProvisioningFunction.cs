using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Status;

public sealed class GetAgentProvisioningFunction(StatusHandler handler, StorageGuard guard)
{
    [Function("GetAgentProvisioning")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "agents/{agentId}/provisioning")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        guard.RunAsync(request, Access.Reader, "GetAgentProvisioning", () => handler.ForAgentAsync(agentId, cancellationToken), StorageGuard.ReadRetry, cancellationToken);
}
