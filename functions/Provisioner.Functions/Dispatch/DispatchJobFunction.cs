using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Dispatch;

public sealed class DispatchJobFunction(DispatchHandler handler)
{
    [Function("DispatchJob")]
    public Task RunAsync([QueueTrigger(StorageNames.DispatchQueue)] string message, CancellationToken cancellationToken) =>
        handler.HandleAsync(message, cancellationToken);
}
