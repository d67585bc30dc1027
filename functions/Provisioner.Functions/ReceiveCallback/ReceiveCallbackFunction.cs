using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.ReceiveCallback;

public sealed class ReceiveCallbackFunction(IServiceProvider services)
{
    private readonly CallbackHandler handler = services.GetRequiredService<CallbackHandler>();

    /// <summary>Open to people's tokens: the workflow proves itself with the callback's signature or its GitHub Actions token (<see cref="CallbackAuthenticator"/>).</summary>
    [Function("ReceiveCallback")]
    [Access(Access.Open)]
    [StorageOutage("The job store cannot be reached right now. The callback was not applied (a callback is kept and applied in one transaction); send it again after the time in Retry-After.")]
    [RequestSpan("callback", Answers = typeof(CallbackVerdicts))]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/github")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, cancellationToken);
}
