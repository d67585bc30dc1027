using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;

namespace Provisioner.Functions.Lifecycle;

/// <summary>A <c>cancel-runs</c> message that failed every delivery (the host moved it to <c>cancel-runs-poison</c> after <c>maxDequeueCount</c>): recorded on its job, never dropped silently.</summary>
public sealed class CancelRunPoisonFunction(IServiceProvider services)
{
    private readonly CancelRunHandler handler = services.GetRequiredService<CancelRunHandler>();

    [Function("RecordPoisonedCancel")]
    public Task RunAsync([QueueTrigger(CancelRunMessage.PoisonQueue)] CancelRunMessage message, CancellationToken cancellationToken) =>
        handler.HandlePoisonAsync(message, cancellationToken);
}
