using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;

namespace Provisioner.Functions.Lifecycle;

public sealed class CancelRunFunction(IServiceProvider services)
{
    private readonly CancelRunHandler handler = services.GetRequiredService<CancelRunHandler>();

    /// <summary>The message bound as a <see cref="CancelRunMessage"/> (JSON), by the worker on the Functions host and by the local runner alike.</summary>
    [Function("CancelRun")]
    public Task RunAsync([QueueTrigger(CancelRunMessage.Queue)] CancelRunMessage message, CancellationToken cancellationToken) =>
        handler.HandleAsync(message, cancellationToken);
}
