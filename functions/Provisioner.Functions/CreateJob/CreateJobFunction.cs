using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.CreateJob;

public sealed class CreateJobFunction(IServiceProvider services)
{
    private readonly CreateJobHandler handler = services.GetRequiredService<CreateJobHandler>();

    [Function("CreateJob")]
    [Access(Access.Operator)]
    [StorageOutage("The job store cannot be reached right now. Retry after the time in Retry-After; send the same Idempotency-Key so a retry cannot create a second job.")]
    [RequestSpan("create job")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "jobs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, cancellationToken);
}
