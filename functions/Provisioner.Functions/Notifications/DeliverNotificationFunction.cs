using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

public sealed class DeliverNotificationFunction(IServiceProvider services)
{
    private readonly NotificationDelivery delivery = services.GetRequiredService<NotificationDelivery>();

    /// <summary>The message bound as a <see cref="NotificationMessage"/> (JSON), by the worker on the Functions host and by the local runner alike.</summary>
    [Function("DeliverNotification")]
    public Task RunAsync([QueueTrigger(StorageNames.NotifyQueue)] NotificationMessage message, CancellationToken cancellationToken) =>
        delivery.HandleAsync(message, cancellationToken);
}
