using System.Text.Json;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Puts jobs on the <c>provisioning-jobs</c> queue, in the message encoding host.json gives the
/// queue trigger (<see cref="QueueHostSettings"/>, applied by <see cref="StorageClients"/>).
/// </summary>
public sealed class DispatchQueueWriter(StorageClients storage)
{
    public async Task EnqueueAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(new DispatchMessage(jobId), DispatchMessage.JsonOptions);
        await storage.DispatchQueue.SendMessageAsync(message, cancellationToken);
    }
}
