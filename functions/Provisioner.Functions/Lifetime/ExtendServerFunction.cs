using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifetime;

public sealed class ExtendServerFunction(IServiceProvider services)
{
    private readonly ExtendServerHandler handler = services.GetRequiredService<ExtendServerHandler>();

    [Function("ChangeServerLifetime")]
    [Access(Access.Operator)]
    [StorageOutage("The job store cannot be reached right now; retry after the time in Retry-After (the same PATCH again sets the same end).")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "agents/{agentId}/server")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, agentId, cancellationToken);
}
