using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Dispatch;

public sealed class DispatchPoisonFunction(DispatchHandler handler)
{
    [Function("FailPoisonedDispatch")]
    public Task RunAsync([QueueTrigger(StorageNames.DispatchPoisonQueue)] DispatchMessage message, CancellationToken cancellationToken) =>
        handler.HandlePoisonAsync(message, cancellationToken);
}
