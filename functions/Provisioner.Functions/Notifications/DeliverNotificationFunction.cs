using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

public sealed class DeliverNotificationFunction(NotificationDelivery delivery)
{
    /// <summary>The message bound as a <see cref="NotificationMessage"/> (JSON), by the worker on the Functions host and by the local runner alike.</summary>
    [Function("DeliverNotification")]
    public Task RunAsync([QueueTrigger(StorageNames.NotifyQueue)] NotificationMessage message, CancellationToken cancellationToken) =>
        delivery.HandleAsync(message, cancellationToken);
}
