using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class RetryJobFunction(RetryHandler handler, StorageGuard guard)
{
    [Function("RetryJob")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "jobs/{jobId}/retry")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        guard.RunAsync(request, Access.Operator, "RetryJob", () => handler.HandleAsync(request, jobId, cancellationToken), "The job store cannot be reached right now; retry after the time in Retry-After (the same retry again never makes a second attempt).", cancellationToken);
}
