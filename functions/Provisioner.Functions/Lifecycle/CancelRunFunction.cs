using Microsoft.Azure.Functions.Worker;

namespace Provisioner.Functions.Lifecycle;

public sealed class CancelRunFunction(CancelRunHandler handler)
{
    [Function("CancelRun")]
    public Task RunAsync([QueueTrigger(CancelRunMessage.Queue)] string message, CancellationToken cancellationToken) =>
        handler.HandleAsync(message, cancellationToken);
}
