using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Status;

public sealed class GetJobStatusFunction(StatusHandler handler, StorageGuard guard)
{
    [Function("GetJobStatus")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        guard.RunAsync(request, Access.Reader, "GetJobStatus", () => handler.ForJobAsync(jobId, cancellationToken), StorageGuard.ReadRetry, cancellationToken);
}
