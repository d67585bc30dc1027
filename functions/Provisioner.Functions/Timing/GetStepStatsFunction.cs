using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Timing;

public sealed class GetStepStatsFunction(IServiceProvider services)
{
    private readonly StepStatsHandler handler = services.GetRequiredService<StepStatsHandler>();

    [Function("GetStepStats")]
    [Access(Access.Reader)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "stats/steps")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, cancellationToken);
}
