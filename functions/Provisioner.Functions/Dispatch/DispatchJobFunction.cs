using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Dispatch;

public sealed class DispatchJobFunction(IServiceProvider services)
{
    private readonly DispatchHandler handler = services.GetRequiredService<DispatchHandler>();

    /// <summary>The message bound as a <see cref="DispatchMessage"/> (JSON), by the worker on the Functions host and by the local runner alike.</summary>
    [Function("DispatchJob")]
    public Task RunAsync([QueueTrigger(StorageNames.DispatchQueue)] DispatchMessage message, CancellationToken cancellationToken) =>
        handler.HandleAsync(message, cancellationToken);
}
