using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Teardown;

public sealed class TeardownFunction(IServiceProvider services)
{
    private readonly TeardownHandler handler = services.GetRequiredService<TeardownHandler>();

    [Function("RemoveAgentServer")]
    [Access(Access.Operator)]
    [StorageOutage("The job store cannot be reached right now; retry after the time in Retry-After (a DELETE sent again while the first one's job is in flight is refused with 409 naming it, never a second job).")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "agents/{agentId}/server")] HttpRequest request,
        string agentId,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, agentId, cancellationToken);
}
