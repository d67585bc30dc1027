using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.Status;

public sealed class GetJobEventsFunction(IServiceProvider services)
{
    private readonly JobEventsHandler handler = services.GetRequiredService<JobEventsHandler>();

    [Function("GetJobEvents")]
    [Access(Access.Reader)]
    [RequestSpan("job events")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs/{jobId}/events")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, jobId, cancellationToken);
}
