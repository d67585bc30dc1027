using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Status;

public sealed class GetJobStatusFunction(StatusHandler handler, StorageGuard guard)
{
    [Function("GetJobStatus")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        guard.RunAsync("GetJobStatus", () => handler.ForJobAsync(jobId, cancellationToken), StorageGuard.ReadRetry, cancellationToken);
}
