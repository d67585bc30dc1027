using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Telemetry;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.ReceiveCallback;

public sealed class ReceiveCallbackFunction(CallbackHandler handler, StorageGuard guard)
{
    [Function("ReceiveCallback")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/github")] HttpRequest request,
        CancellationToken cancellationToken) =>
        TracedRequest.RunAsync("callback", request, null, async () =>
        {
            var result = await guard.RunAsync(
                request,
                Access.Open,
                "ReceiveCallback",
                () => handler.HandleAsync(request, cancellationToken),
                "The job store cannot be reached right now. The callback was not applied (a callback is kept and applied in one transaction); send it again after the time in Retry-After.",
                cancellationToken);
            ProvisionerTelemetry.CallbackVerdict(TracedRequest.Status(result) switch
            {
                200 => "accepted",
                400 or 413 or 415 => "malformed",
                401 => "unauthorized",
                404 => "unknown_job",
                409 => "refused",
                503 => "unavailable",
                var other => other?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "other",
            });
            return result;
        });
}
