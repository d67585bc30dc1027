using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Idempotency-Keys (the <c>idempotency</c> table): which request a key was first used for. The
/// caller scopes a key (CreateJob/ hashes it with the person who sent it); a key is kept
/// <see cref="Lifetime"/> (24 hours, as Stripe keeps them): older, it is taken as new, and
/// <see cref="RemoveExpiredAsync"/> deletes it.
/// </summary>
internal sealed class IdempotencyKeys(StorageClients storage, TimeProvider time)
{
    /// <summary>How long a key stands for its first request.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Reserves a key for a job; returns the reservation that holds the key (ours, or an earlier request's still within <see cref="Lifetime"/>).</summary>
    public async Task<IdempotencyReservation> ReserveAsync(string keyHash, IdempotencyReservation wanted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var entity = new IdempotencyEntity { PartitionKey = keyHash, JobId = wanted.JobId, AgentId = wanted.AgentId, Region = wanted.Region };
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            entity.CreatedAt = now;
            try
            {
                await storage.Idempotency.AddEntityAsync(entity, cancellationToken);
                return wanted;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }

            var found = await storage.Idempotency.GetEntityIfExistsAsync<IdempotencyEntity>(keyHash, IdempotencyEntity.Row, cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                continue; // removed meanwhile (forgotten or expired): add it again
            }

            var existing = found.Value!;
            if (!Expired(existing, now) || attempt >= 3)
            {
                return new IdempotencyReservation(existing.JobId, existing.AgentId, existing.Region);
            }

            try
            {
                // Expired: the key is new again; taken over under the old row's ETag, so of two
                // requests that find it expired at once, one wins and the other finds the winner's.
                await storage.Idempotency.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken);
                return wanted;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Changed or gone meanwhile: look again.
            }
        }
    }

    /// <summary>Removes the key's reservation when it names <paramref name="jobId"/>: the create it was reserved for was refused, so nothing of it stays.</summary>
    public async Task ForgetAsync(string keyHash, Guid jobId, CancellationToken cancellationToken)
    {
        var found = await storage.Idempotency.GetEntityIfExistsAsync<IdempotencyEntity>(keyHash, IdempotencyEntity.Row, cancellationToken: cancellationToken);
        if (found.HasValue && found.Value!.JobId == jobId)
        {
            await DeleteAsync(found.Value, cancellationToken);
        }
    }

    /// <summary>Deletes the keys older than <see cref="Lifetime"/>; returns how many.</summary>
    public async Task<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoff = now - Lifetime;
        var removed = 0;
        // Rows written before keys carried CreatedAt are judged by the table's own Timestamp; the
        // filter may return more (it is a scan of old rows), Expired decides.
        var filter = TableClient.CreateQueryFilter($"CreatedAt lt {cutoff} or Timestamp lt {cutoff}");
        await foreach (var row in storage.Idempotency.QueryAsync<IdempotencyEntity>(filter, cancellationToken: cancellationToken))
        {
            if (Expired(row, now) && await DeleteAsync(row, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }

    private static bool Expired(IdempotencyEntity row, DateTimeOffset now) =>
        (row.CreatedAt ?? row.Timestamp) is { } since && now - since >= Lifetime;

    private async Task<bool> DeleteAsync(IdempotencyEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Idempotency.DeleteEntityAsync(row.PartitionKey, IdempotencyEntity.Row, row.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false; // gone or changed meanwhile (taken over as new): not ours to remove
        }
    }
}
