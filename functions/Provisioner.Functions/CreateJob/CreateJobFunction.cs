using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Telemetry;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.CreateJob;

public sealed class CreateJobFunction(CreateJobHandler handler, StorageGuard guard)
{
    [Function("CreateJob")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "jobs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        TracedRequest.RunAsync("create job", request, null, () => guard.RunAsync(
            request,
            Access.Operator,
            "CreateJob",
            () => handler.HandleAsync(request, cancellationToken),
            "The job store cannot be reached right now. Retry after the time in Retry-After; send the same Idempotency-Key so a retry cannot create a second job.",
            cancellationToken));
}
