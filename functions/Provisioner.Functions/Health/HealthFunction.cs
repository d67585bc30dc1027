using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Health;

public sealed class HealthFunction(IServiceProvider services)
{
    private readonly HealthHandler handler = services.GetRequiredService<HealthHandler>();

    /// <summary>Open to anyone, like every route today (and kept open when the others need a token): it tells nothing but ok or what is wrong. Its handler answers a storage outage itself.</summary>
    [Function("Health")]
    [Access(Access.Open)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.CheckAsync(request, cancellationToken);
}
