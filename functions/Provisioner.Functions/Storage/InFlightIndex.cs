using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// The jobs that may still be in flight (the <c>inflight</c> table, one partition), so the
/// time-out sweeper reads these and never every job ever created. An entry is written before
/// its job row, so no job escapes it, and removed once the job has ended (or never came to be).
/// </summary>
internal sealed class InFlightIndex(StorageClients storage)
{
    public async Task WatchAsync(Guid jobId, DateTimeOffset since, CancellationToken cancellationToken) =>
        await storage.InFlight.UpsertEntityAsync(new InFlightEntity { RowKey = JobEntity.Key(jobId), CreatedAt = since }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The watched jobs; an entry whose key is not a job id (written by hand) is dropped on the way.</summary>
    public async IAsyncEnumerable<WatchedJob> WatchedAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in storage.InFlight.QueryAsync<InFlightEntity>(e => e.PartitionKey == InFlightEntity.Partition, cancellationToken: cancellationToken))
        {
            if (Guid.TryParse(entry.RowKey, out var jobId))
            {
                yield return new WatchedJob(jobId, entry.CreatedAt);
            }
            else
            {
                await DeleteAsync(entry.RowKey, cancellationToken);
            }
        }
    }

    public Task UnwatchAsync(Guid jobId, CancellationToken cancellationToken) => DeleteAsync(JobEntity.Key(jobId), cancellationToken);

    private async Task DeleteAsync(string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await storage.InFlight.DeleteEntityAsync(InFlightEntity.Partition, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone.
        }
    }
}
