using System.Text.Json;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Puts jobs on the <c>provisioning-jobs</c> queue, in the message encoding host.json gives the
/// queue trigger (<see cref="QueueHostSettings"/>, applied by <see cref="StorageClients"/>).
/// </summary>
internal sealed class DispatchQueueWriter(StorageClients storage)
{
    public async Task EnqueueAsync(Guid jobId, CancellationToken cancellationToken)
    {
        // The dispatch continues the trace from here: create → queue → dispatch.
        using var activity = ProvisionerTelemetry.Start("enqueue dispatch", System.Diagnostics.ActivityKind.Producer, null, jobId);
        System.Diagnostics.Activity.Current?.Parent?.SetTag("provisioner.job_id", jobId.ToString("D"));
        var message = JsonSerializer.Serialize(new DispatchMessage(jobId, ProvisionerTelemetry.CurrentTraceparent()), DispatchMessage.JsonOptions);
        await storage.DispatchQueue.SendMessageAsync(message, cancellationToken);
    }
}
