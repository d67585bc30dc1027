using System.Text.Json;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Puts jobs on the <c>provisioning-jobs</c> queue. Messages are base64 (the client's
/// encoding), which is what the Functions host's queue trigger expects by default.
/// </summary>
public sealed class DispatchQueueWriter(StorageClients storage)
{
    public async Task EnqueueAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(new DispatchMessage(jobId), DispatchMessage.JsonOptions);
        await storage.DispatchQueue.SendMessageAsync(message, cancellationToken);
    }
}
