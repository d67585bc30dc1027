using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

public sealed class NotificationPoisonFunction(NotificationDelivery delivery)
{
    [Function("DeadLetterPoisonedNotification")]
    public Task RunAsync([QueueTrigger(StorageNames.NotifyPoisonQueue)] NotificationMessage message, CancellationToken cancellationToken) =>
        delivery.HandlePoisonAsync(message, cancellationToken);
}
