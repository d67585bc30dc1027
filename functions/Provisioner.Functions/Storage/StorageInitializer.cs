using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Creates the tables and queues at start-up (in Azure, <c>infra/</c> creates them too), retrying
/// for a while so the app can start alongside its storage emulator.
/// </summary>
internal sealed partial class StorageInitializer(StorageClients storage, TimeProvider time, ILogger<StorageInitializer> logger) : IHostedService
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + GiveUpAfter;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Task.WhenAll(
                    storage.Jobs.CreateIfNotExistsAsync(cancellationToken),
                    storage.Agents.CreateIfNotExistsAsync(cancellationToken),
                    storage.Idempotency.CreateIfNotExistsAsync(cancellationToken),
                    storage.InFlight.CreateIfNotExistsAsync(cancellationToken),
                    storage.AgentHealth.CreateIfNotExistsAsync(cancellationToken),
                    storage.Quotas.CreateIfNotExistsAsync(cancellationToken),
                    storage.DispatchQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
                    storage.DispatchPoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
                    storage.NotifyDeadLetters.CreateIfNotExistsAsync(cancellationToken),
                    storage.NotifyQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
                    storage.NotifyPoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
                    storage.JobIndex.CreateIfNotExistsAsync(cancellationToken),
                    storage.UsedTokens.CreateIfNotExistsAsync(cancellationToken),
                    storage.Audit.CreateIfNotExistsAsync(cancellationToken),
                    storage.Queue(StorageNames.CancelRunsQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
                    storage.Queue(StorageNames.CancelRunsPoisonQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken));
                return;
            }
            catch (Exception e) when (StorageFailures.IsUnavailable(e, cancellationToken) && time.GetUtcNow() < deadline)
            {
                LogStorageNotReady(logger, attempt, e);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 200 * attempt)), time, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage is not reachable yet (attempt {Attempt})")]
    private static partial void LogStorageNotReady(ILogger logger, int attempt, Exception exception);
}
