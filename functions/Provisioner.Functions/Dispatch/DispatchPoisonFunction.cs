using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Dispatch;

public sealed class DispatchPoisonFunction(IServiceProvider services)
{
    private readonly DispatchHandler handler = services.GetRequiredService<DispatchHandler>();

    [Function("FailPoisonedDispatch")]
    public Task RunAsync([QueueTrigger(StorageNames.DispatchPoisonQueue)] DispatchMessage message, CancellationToken cancellationToken) =>
        handler.HandlePoisonAsync(message, cancellationToken);
}
