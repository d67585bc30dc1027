using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Jobs in Table Storage. Every operation is a fixed number of point reads and writes, whatever
/// the number of jobs: no query ever scans.
/// </summary>
public sealed class JobStore(StorageClients storage)
{
    private const int MaxAttempts = 16;

    public async Task<StoredJob?> FindAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var response = await storage.Jobs.GetEntityIfExistsAsync<JobEntity>(JobEntity.Key(jobId), JobEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? new StoredJob(response.Value!.ToJob(), response.Value.ETag) : null;
    }

    public async Task<Guid?> FindNewestJobIdAsync(string agentId, CancellationToken cancellationToken)
    {
        var response = await storage.Agents.GetEntityIfExistsAsync<AgentEntity>(agentId, AgentEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value!.NewestJobId : null;
    }

    /// <summary>Adds a new job; false when a job with that id exists already.</summary>
    public async Task<bool> TryAddAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Jobs.AddEntityAsync(JobEntity.From(job), cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Removes a job that never got its agent (so was never enqueued), if it is still as created.</summary>
    public async Task DeleteUnclaimedAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var stored = await FindAsync(jobId, cancellationToken);
        if (stored is null || stored.Job.Status != JobStatus.Queued || stored.Job.DispatchedAt is not null)
        {
            return;
        }

        try
        {
            await storage.Jobs.DeleteEntityAsync(JobEntity.Key(jobId), JobEntity.Row, stored.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or changed meanwhile: either way not ours to remove.
        }
    }

    /// <summary>
    /// Makes <paramref name="jobId"/> the agent's job, unless another job of the agent is still
    /// queued or provisioning. Guarded by the agent row's ETag, so of two concurrent claims
    /// exactly one wins. The job row must exist before its claim (see CreateJobHandler).
    /// </summary>
    public async Task<AgentClaim> ClaimAgentAsync(string agentId, Guid jobId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await storage.Agents.GetEntityIfExistsAsync<AgentEntity>(agentId, AgentEntity.Row, cancellationToken: cancellationToken);
            var agent = current.HasValue ? current.Value : null;
            if (agent?.ActiveJobId is { } active)
            {
                if (active == jobId)
                {
                    return new AgentClaim.Claimed();
                }

                var activeJob = await FindAsync(active, cancellationToken);
                if (activeJob is { Job.IsTerminal: false })
                {
                    return new AgentClaim.Busy(active);
                }
            }

            var claim = new AgentEntity { PartitionKey = agentId, ActiveJobId = jobId, NewestJobId = jobId };
            try
            {
                if (agent is null)
                {
                    await storage.Agents.AddEntityAsync(claim, cancellationToken);
                }
                else
                {
                    await storage.Agents.UpdateEntityAsync(claim, agent.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return new AgentClaim.Claimed();
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another create changed the agent row since we read it: read again.
            }
        }

        throw new StorageConflictException($"Could not claim agent {agentId} after {MaxAttempts} attempts.");
    }

    /// <summary>Reserves an Idempotency-Key for a job; returns the reservation that holds the key (ours, or an earlier request's).</summary>
    public async Task<IdempotencyEntity> ReserveIdempotencyKeyAsync(string keyHash, Guid jobId, string agentId, string region, CancellationToken cancellationToken)
    {
        var reservation = new IdempotencyEntity { PartitionKey = keyHash, JobId = jobId, AgentId = agentId, Region = region };
        try
        {
            await storage.Idempotency.AddEntityAsync(reservation, cancellationToken);
            return reservation;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await storage.Idempotency.GetEntityAsync<IdempotencyEntity>(keyHash, IdempotencyEntity.Row, cancellationToken: cancellationToken);
            return existing.Value;
        }
    }

    /// <summary>
    /// Keeps a callback and applies it to its job in one entity-group transaction: the callback
    /// row is added (which fails if it was kept before: a duplicate) and the job row replaced
    /// under its ETag (which fails if another callback changed it meanwhile: read and apply
    /// again). So no update is lost and none is applied twice.
    /// </summary>
    public async Task<RecordResult> RecordCallbackAsync(CallbackRecord record, Func<Job, CallbackOutcome> apply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(apply);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await FindAsync(record.JobId, cancellationToken);
            if (stored is null)
            {
                return new RecordResult.UnknownJob();
            }

            switch (apply(stored.Job))
            {
                case CallbackOutcome.ClaimRefused refused:
                    return new RecordResult.Refused(refused.Reason);
                case CallbackOutcome.Accepted { Changed: false } unchanged:
                    return await TryAddAloneAsync(ToEntity(record, applied: false), cancellationToken)
                        ? new RecordResult.Recorded(unchanged.Job, Changed: false)
                        : new RecordResult.Duplicate();
                case CallbackOutcome.Accepted changed:
                    var actions = new[]
                    {
                        new TableTransactionAction(TableTransactionActionType.Add, ToEntity(record, applied: true)),
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace, JobEntity.From(changed.Job), stored.ETag),
                    };
                    try
                    {
                        await storage.Jobs.SubmitTransactionAsync(actions, cancellationToken);
                        return new RecordResult.Recorded(changed.Job, Changed: true);
                    }
                    catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is null or 0)
                    {
                        return new RecordResult.Duplicate();
                    }
                    catch (TableTransactionFailedException e) when (e.Status == 412)
                    {
                        // The job changed since we read it: read it again and re-apply.
                    }

                    break;
                default:
                    throw new InvalidOperationException("unknown callback outcome");
            }
        }

        throw new StorageConflictException($"Could not record a callback for job {record.JobId} after {MaxAttempts} attempts.");
    }

    /// <summary>
    /// Changes a job with <paramref name="change"/> (null: nothing to change), re-reading and
    /// re-applying when another writer got there first. Returns the job as stored afterwards,
    /// or null when there is no such job.
    /// </summary>
    public async Task<Job?> UpdateAsync(Guid jobId, Func<Job, Job?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await FindAsync(jobId, cancellationToken);
            if (stored is null)
            {
                return null;
            }

            if (change(stored.Job) is not { } next || next == stored.Job)
            {
                return stored.Job;
            }

            if (await TryReplaceAsync(next, stored.ETag, cancellationToken))
            {
                return next;
            }
        }

        throw new StorageConflictException($"Could not update job {jobId} after {MaxAttempts} attempts.");
    }

    /// <summary>Marks a job for the time-out timer to watch; written before the job row, so no job escapes it.</summary>
    public async Task WatchAsync(Guid jobId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await storage.InFlight.UpsertEntityAsync(new InFlightEntity { RowKey = JobEntity.Key(jobId), CreatedAt = now }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The jobs the time-out timer watches: one partition, proportional to the jobs in flight.</summary>
    public IAsyncEnumerable<InFlightEntity> WatchedAsync(CancellationToken cancellationToken) =>
        storage.InFlight.QueryAsync<InFlightEntity>(e => e.PartitionKey == InFlightEntity.Partition, cancellationToken: cancellationToken);

    public async Task UnwatchAsync(InFlightEntity entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await storage.InFlight.DeleteEntityAsync(entry.PartitionKey, entry.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone.
        }
    }

    /// <summary>Replaces a job under its ETag; false when it changed since it was read.</summary>
    public async Task<bool> TryReplaceAsync(Job job, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Jobs.UpdateEntityAsync(JobEntity.From(job), etag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    private async Task<bool> TryAddAloneAsync(CallbackEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Jobs.AddEntityAsync(entity, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    private static CallbackEntity ToEntity(CallbackRecord record, bool applied) => new()
    {
        PartitionKey = JobEntity.Key(record.JobId),
        RowKey = CallbackEntity.RowPrefix + record.DedupeKey,
        ReceivedAt = record.ReceivedAt,
        Scheme = record.Scheme,
        WebhookId = record.WebhookId,
        Kind = record.Kind,
        Applied = applied,
        Body = record.Body.ToArray(),
    };
}
