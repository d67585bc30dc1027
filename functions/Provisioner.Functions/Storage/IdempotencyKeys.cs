using Azure;

namespace Provisioner.Functions.Storage;

/// <summary>Idempotency-Keys (the <c>idempotency</c> table): which request a key was first used for.</summary>
internal sealed class IdempotencyKeys(StorageClients storage)
{
    /// <summary>Reserves a key for a job; returns the reservation that holds the key (ours, or an earlier request's).</summary>
    public async Task<IdempotencyReservation> ReserveAsync(string keyHash, IdempotencyReservation wanted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        try
        {
            await storage.Idempotency.AddEntityAsync(new IdempotencyEntity { PartitionKey = keyHash, JobId = wanted.JobId, AgentId = wanted.AgentId, Region = wanted.Region }, cancellationToken);
            return wanted;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await storage.Idempotency.GetEntityAsync<IdempotencyEntity>(keyHash, IdempotencyEntity.Row, cancellationToken: cancellationToken)).Value;
            return new IdempotencyReservation(existing.JobId, existing.AgentId, existing.Region);
        }
    }

    /// <summary>Removes the key's reservation when it names <paramref name="jobId"/>: the create it was reserved for was refused, so nothing of it stays.</summary>
    public async Task ForgetAsync(string keyHash, Guid jobId, CancellationToken cancellationToken)
    {
        var found = await storage.Idempotency.GetEntityIfExistsAsync<IdempotencyEntity>(keyHash, IdempotencyEntity.Row, cancellationToken: cancellationToken);
        if (found.HasValue && found.Value!.JobId == jobId)
        {
            try
            {
                await storage.Idempotency.DeleteEntityAsync(keyHash, IdempotencyEntity.Row, found.Value.ETag, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Gone or changed meanwhile: not ours to remove.
            }
        }
    }
}
