using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

public sealed class NotificationPoisonFunction(IServiceProvider services)
{
    private readonly NotificationDelivery delivery = services.GetRequiredService<NotificationDelivery>();

    [Function("DeadLetterPoisonedNotification")]
    public Task RunAsync([QueueTrigger(StorageNames.NotifyPoisonQueue)] NotificationMessage message, CancellationToken cancellationToken) =>
        delivery.HandlePoisonAsync(message, cancellationToken);
}
