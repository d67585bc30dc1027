using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class CancelJobFunction(IServiceProvider services)
{
    private readonly CancelHandler handler = services.GetRequiredService<CancelHandler>();

    [Function("CancelJob")]
    [Access(Access.Operator)]
    [StorageOutage("The job store cannot be reached right now; nothing was cancelled. Retry after the time in Retry-After.")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "jobs/{jobId}/cancel")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(jobId, cancellationToken);
}
