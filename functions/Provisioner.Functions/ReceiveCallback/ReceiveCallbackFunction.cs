using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.ReceiveCallback;

public sealed class ReceiveCallbackFunction(CallbackHandler handler, StorageGuard guard)
{
    [Function("ReceiveCallback")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/github")] HttpRequest request,
        CancellationToken cancellationToken) =>
        guard.RunAsync(
            request,
            Access.Open,
            "ReceiveCallback",
            () => handler.HandleAsync(request, cancellationToken),
            "The job store cannot be reached right now. The callback was not applied (a callback is kept and applied in one transaction); send it again after the time in Retry-After.",
            cancellationToken);
}
