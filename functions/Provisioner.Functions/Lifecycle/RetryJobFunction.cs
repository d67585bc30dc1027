using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class RetryJobFunction(IServiceProvider services)
{
    private readonly RetryHandler handler = services.GetRequiredService<RetryHandler>();

    [Function("RetryJob")]
    [Access(Access.Operator)]
    [StorageOutage("The job store cannot be reached right now; retry after the time in Retry-After (the same retry again never makes a second attempt).")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "jobs/{jobId}/retry")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, jobId, cancellationToken);
}
