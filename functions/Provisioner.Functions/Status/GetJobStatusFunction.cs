using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Status;

public sealed class GetJobStatusFunction(IServiceProvider services)
{
    private readonly StatusHandler handler = services.GetRequiredService<StatusHandler>();

    [Function("GetJobStatus")]
    [Access(Access.JobReader)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        handler.ForJobAsync(jobId, cancellationToken);
}
