using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions.Audit;

/// <summary>
/// Writes a person's change, and a tear down the backend started itself, into the audit log in the
/// same transaction as the change (docs/audit.md, "Written with the change"):
/// <list type="bullet">
/// <item>as a participant in every job write (<see cref="IJobWriteParticipant"/>), it adds the
/// request's entry (<see cref="AuditScope"/>) to the first job transaction of the request, as a row
/// in the job's partition (RowKey <c>au-</c> + the log's key): the change and its entry exist
/// together or not at all;</item>
/// <item>once the request is answered, <see cref="AuditMiddleware"/> copies that row into the log's
/// partitions (<see cref="AuditLog.CopyAsync"/>, under the same key, so a second copy is the same
/// row) and deletes it;</item>
/// <item>a crash or outage in between leaves the row in the job's partition. The time-out sweep
/// copies it (this is one of its parts, <see cref="IInFlightWatcher"/>) before it lets the job go,
/// and keeps the job watched until it has.</item>
/// </list>
/// </summary>
internal sealed partial class AuditTrail(StorageClients storage, AuditLog log, InFlightIndex inFlight, TimeProvider time, ILogger<AuditTrail> logger) : IJobWriteParticipant, IInFlightWatcher
{
    public const string RowPrefix = "au-";
    private const string RowEnd = "au.";

    /// <summary>A row younger than this is probably being copied by its request right now.</summary>
    public static readonly TimeSpan CopyGrace = TimeSpan.FromSeconds(30);

    public IReadOnlyList<ITableEntity> RowsFor(Job? before, Job after)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (AuditScope.Current is { } scope)
        {
            // A person's request: its entry goes with the first job write it makes.
            return scope.HasCommitted ? [] : [Row(after, scope.Actor, scope.Action, scope.Target, AuditActions.SuccessStatus(scope.Action))];
        }

        // Nobody's request: only a tear down the backend started has an entry.
        return AuditActions.OfBackend(before, after) is { } action
            ? [Row(after, null, action, "agent/" + after.AgentId, after.Failure is null ? 202 : 500)]
            : [];
    }

    public async Task CommittedAsync(IReadOnlyList<ITableEntity> rows, CancellationToken cancellationToken)
    {
        if (AuditScope.Current is { } scope)
        {
            scope.AddCommitted(rows); // copied once the request is answered (AuditMiddleware)
            return;
        }

        // The backend's own change (a queue message, a timer): nobody waits on an answer, so copy now.
        foreach (var written in rows.OfType<AuditEntity>())
        {
            await CopyAsync(written, null, cancellationToken);
        }
    }

    private AuditEntity Row(Job job, AuditActor? actor, string action, string? target, int status)
    {
        var now = time.GetUtcNow();
        return new AuditEntity
        {
            PartitionKey = JobEntity.Key(job.JobId),
            RowKey = RowPrefix + AuditLog.NewRowKey(now),
            At = now,
            ActorOid = actor?.Oid,
            ActorName = actor?.Name,
            Action = action,
            Target = target ?? "job/" + job.JobId.ToString("D"),
            AgentId = job.AgentId,
            JobId = job.JobId,
            StatusCode = status,
            Outcome = AuditMiddleware.OutcomeOf(status),
        };
    }

    /// <summary>
    /// Copies a row written with a change into the log, with the request's answer where it is
    /// known, and deletes it from the job's partition. False when storage would not take it: the
    /// row stays, and the sweep copies it.
    /// </summary>
    public async Task<bool> CopyAsync(AuditEntity written, int? statusCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        var entry = AuditLog.ToEntry(written);
        if (statusCode is { } status)
        {
            entry = entry with { StatusCode = status, Outcome = AuditMiddleware.OutcomeOf(status) };
        }

        try
        {
            await log.CopyAsync(written.RowKey[RowPrefix.Length..], entry, cancellationToken);
            await storage.Jobs.DeleteEntityAsync(written.PartitionKey, written.RowKey, ETag.All, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is RequestFailedException || StorageFailures.IsUnavailable(e, cancellationToken))
        {
            LogCopyDeferred(logger, written.JobId, written.Action, e);
            await WatchAsync(written, cancellationToken);
            return false;
        }
    }

    // The sweep copies what is left, for the jobs it watches: most jobs a change writes are watched
    // already (a new job, a job in flight, a server with an end), a retry's link on an ended job is
    // not. Watching it again is harmless: the sweep lets it go once nothing of it is left.
    private async Task WatchAsync(AuditEntity written, CancellationToken cancellationToken)
    {
        if (written.JobId is not { } jobId)
        {
            return;
        }

        try
        {
            await inFlight.WatchAsync(jobId, written.At, cancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException || StorageFailures.IsUnavailable(e, cancellationToken))
        {
            // Storage is down altogether: the entry stays with its job, and the warning above names it.
        }
    }

    /// <summary>
    /// The sweep's part, for a job it would let go: copies the entries a crash or outage
    /// left in the job's partition. True while one is left, so the job stays watched. A job that is
    /// still watched for another reason costs nothing here: it is asked again when it ends.
    /// </summary>
    public async Task<bool> HoldsAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!job.IsTerminal)
        {
            return false;
        }

        var left = false;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {JobEntity.Key(job.JobId)} and RowKey ge {RowPrefix} and RowKey lt {RowEnd}");
        await foreach (var row in storage.Jobs.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            try
            {
                var entity = AuditLog.FromRow(row);
                if (now - entity.At < CopyGrace)
                {
                    left = true;
                    continue;
                }

                if (await CopyAsync(entity, null, cancellationToken))
                {
                    LogRecovered(logger, job.JobId, entity.Action);
                }
                else
                {
                    left = true;
                }
            }
            catch (FormatException e)
            {
                // A malformed row is logged and skipped: it must not keep the job watched forever, nor stop the sweep.
                LogSkippedRow(logger, job.JobId, row.RowKey, e);
            }
        }

        return left;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit entry of {Action} on job {JobId} not copied to the log yet; it is kept with the job and the sweep copies it")]
    private static partial void LogCopyDeferred(ILogger logger, Guid? jobId, string action, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit entry of {Action} on job {JobId} copied to the log by the sweep")]
    private static partial void LogRecovered(ILogger logger, Guid jobId, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit row {RowKey} of job {JobId} skipped: malformed")]
    private static partial void LogSkippedRow(ILogger logger, Guid jobId, string rowKey, Exception exception);
}
