using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Audit;

public sealed class ListAuditFunction(IServiceProvider services)
{
    private readonly AuditListHandler handler = services.GetRequiredService<AuditListHandler>();

    [Function("ListAudit")]
    [Access(Access.Operator)]
    [StorageOutage("The audit log cannot be read right now. Retry after the time in Retry-After.")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "audit")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, cancellationToken);
}
