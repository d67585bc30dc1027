using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

public sealed class DeliverNotificationFunction(NotificationDelivery delivery)
{
    [Function("DeliverNotification")]
    public Task RunAsync([QueueTrigger(StorageNames.NotifyQueue)] string message, CancellationToken cancellationToken) =>
        delivery.HandleAsync(message, cancellationToken);
}
