using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

public sealed class NotificationPoisonFunction(NotificationDelivery delivery)
{
    [Function("DeadLetterPoisonedNotification")]
    public Task RunAsync([QueueTrigger(StorageNames.NotifyPoisonQueue)] string message, CancellationToken cancellationToken) =>
        delivery.HandlePoisonAsync(message, cancellationToken);
}
