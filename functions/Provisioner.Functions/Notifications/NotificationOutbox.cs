using Provisioner.Functions.AgentHealth;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// Raises notifications so that none is lost (docs/notifications.md, "Why nothing is lost"):
/// <list type="bullet">
/// <item>an event is first a row in its job's partition (<see cref="OutboxEntity"/>); a job
/// change writes it in the same entity-group transaction as the job row
/// (<see cref="Storage.JobStore"/>), so the change and its event exist together or not at all;</item>
/// <item>then it is put on the <c>notifications</c> queue and the row marked
/// <see cref="OutboxEntity.EnqueuedAt"/>. A crash or outage in between leaves the row unmarked;
/// the time-out sweeper, which keeps every job with such a row in its in-flight index, puts it
/// on the queue (<see cref="FlushAsync"/>) before it lets the job go;</item>
/// <item>delivery (<see cref="NotificationDelivery"/>) reads the row before sending and skips
/// it once delivered, so a message put on the queue twice is sent once after it was acknowledged.</item>
/// </list>
/// With <c>NOTIFY_URL</c> unset nothing is written and nothing sent.
/// </summary>
internal sealed partial class NotificationOutbox(
    StorageClients storage,
    InFlightIndex inFlight,
    IOptions<NotifyOptions> options,
    TimeProvider time,
    ILogger<NotificationOutbox> logger) : IJobWriteParticipant
{
    /// <summary>A row not on the queue after this long was left by a crash or outage: the sweeper enqueues it.</summary>
    public static readonly TimeSpan EnqueueGrace = TimeSpan.FromSeconds(30);

    /// <summary><c>job.stalled</c> is raised once a deadline is this close, as a fraction of its limit.</summary>
    public const double StallWarningFraction = 0.2;

    public bool Enabled => options.Value.Enabled;

    /// <summary>The outbox rows a job change raises, to write with the job row (none when notifications are off).</summary>
    public IReadOnlyList<OutboxEntity> For(Job before, Job after)
    {
        if (!Enabled)
        {
            return [];
        }

        var now = time.GetUtcNow();
        return JobEvents.Between(before, after).Select(type => OutboxEntity.Create(after.JobId, type, null, Body(type, after, now), now)).ToList();
    }

    // A new job raises no event (docs/notifications.md lists what does).
    IReadOnlyList<ITableEntity> IJobWriteParticipant.RowsFor(Job? before, Job after) => before is null ? [] : For(before, after);

    Task IJobWriteParticipant.CommittedAsync(IReadOnlyList<ITableEntity> rows, CancellationToken cancellationToken) =>
        EnqueueWrittenAsync([.. rows.Cast<OutboxEntity>()], cancellationToken);

    /// <summary>After the transaction that wrote <paramref name="events"/>: puts them on the queue; an outage leaves them to the sweeper.</summary>
    public async Task EnqueueWrittenAsync(IReadOnlyList<OutboxEntity> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var written in events)
        {
            try
            {
                await EnqueueAsync(written.PartitionKey, written.RowKey, cancellationToken);
            }
            catch (Exception e) when (e is RequestFailedException || StorageFailures.IsUnavailable(e, cancellationToken))
            {
                // The change is committed, so its caller must not fail now. The row is kept, unmarked: the sweeper enqueues it (the job stays in the in-flight index until it has).
                LogEnqueueDeferred(logger, written.PartitionKey, written.Type, e);
            }
        }
    }

    /// <summary>
    /// Raises <paramref name="type"/> for the job, with its status document as it is now, once
    /// per <paramref name="key"/>: the one way for other code to send an event that is not a
    /// change of the job row (<c>job.stalled</c> while the run waits for a runner, with key
    /// <c>"runner"</c>; <c>agent.unhealthy</c>/<c>agent.recovered</c> for the agent's newest
    /// job, keyed by the episode). True when raised now; false when notifications are off,
    /// there is no such job, or it was raised before (then a copy not yet on the queue is put there).
    /// </summary>
    public async Task<bool> PublishAsync(string type, Guid jobId, string? key, CancellationToken cancellationToken)
    {
        if (!EventTypes.All.Contains(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "not a notification type (EventTypes)");
        }

        if (!Enabled)
        {
            return false;
        }

        var stored = await storage.Jobs.GetEntityIfExistsAsync<JobEntity>(JobEntity.Key(jobId), JobEntity.Row, cancellationToken: cancellationToken);
        return stored.HasValue && await PublishAsync(type, stored.Value!.ToJob(), key, cancellationToken);
    }

    /// <summary>The sweeper's part for a job in flight: raises <c>job.stalled</c> once per deadline when it is near.</summary>
    public async Task WarnIfNearDeadlineAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!Enabled)
        {
            return;
        }

        foreach (var (reason, due, limit) in Deadlines.Watching(job, limits))
        {
            if (now >= due - (limit * StallWarningFraction) && now <= due)
            {
                // Keyed by the deadline and when it falls due: a silent job that speaks and falls silent again is a new stall.
                await PublishAsync(EventTypes.JobStalled, job, $"{reason.Code()}-{due.ToUnixTimeSeconds()}", cancellationToken);
            }
        }
    }

    /// <summary>
    /// The sweeper's part for a job it watches: enqueues rows a crash or outage left off the
    /// queue. True while the job has a row not yet on the queue, so the sweeper keeps watching it.
    /// </summary>
    public async Task<bool> FlushAsync(Guid jobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var waiting = false;

        // Read as plain rows and each one taken apart on its own: one malformed row must not stop the others.
        await foreach (var row in storage.Jobs.QueryAsync<TableEntity>(OutboxFilter(jobId), cancellationToken: cancellationToken))
        {
            try
            {
                var state = row.GetString(nameof(OutboxEntity.State)) ?? OutboxEntity.Pending;
                if (state != OutboxEntity.Pending || row.GetDateTimeOffset(nameof(OutboxEntity.EnqueuedAt)) is not null || !Enabled)
                {
                    continue;
                }

                var since = row.GetDateTimeOffset(nameof(OutboxEntity.Since)) ?? throw new FormatException($"outbox row {row.RowKey} has no {nameof(OutboxEntity.Since)}");
                if (now - since < EnqueueGrace)
                {
                    waiting = true; // its writer is probably enqueueing it right now
                    continue;
                }

                await EnqueueAsync(row.PartitionKey, row.RowKey, cancellationToken);
                LogRecovered(logger, jobId, row.GetString(nameof(OutboxEntity.Type)) ?? "", row.GetString(nameof(OutboxEntity.WebhookId)) ?? "");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Kept watched: the row is still not on the queue, and the next sweep tries it again.
                waiting = true;
                LogSkippedRow(logger, jobId, row.RowKey, ex);
            }
        }

        return waiting;
    }

    /// <summary>Sends again the dead letters an operator marked <c>Replay = true</c>. Returns how many.</summary>
    public async Task<int> ReplayRequestedAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return 0;
        }

        var replayed = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DeadLetterEntity.Partition} and Replay eq {true}");
        await foreach (var dead in storage.NotifyDeadLetters.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var named = dead.GetString(nameof(DeadLetterEntity.JobId));
            if (!Guid.TryParse(named, out var jobId))
            {
                continue;
            }

            try
            {
                replayed += await ReplayAsync(dead, jobId, cancellationToken) ? 1 : 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Left marked, for an operator to look at; the other dead letters are replayed.
                LogSkippedRow(logger, jobId, dead.RowKey, ex);
            }
        }

        return replayed;
    }

    private async Task<bool> ReplayAsync(TableEntity dead, Guid jobId, CancellationToken cancellationToken)
    {
        var eventRow = dead.GetString(nameof(DeadLetterEntity.EventRow)) ?? throw new FormatException($"dead letter {dead.RowKey} names no {nameof(DeadLetterEntity.EventRow)}");
        var row = await storage.Jobs.GetEntityIfExistsAsync<OutboxEntity>(JobEntity.Key(jobId), eventRow, cancellationToken: cancellationToken);
        if (row.HasValue && row.Value!.State is OutboxEntity.Dead or OutboxEntity.Gone)
        {
            // Watched first, then reset with no EnqueuedAt: from here on a crash leaves it to FlushAsync.
            await inFlight.WatchAsync(jobId, time.GetUtcNow(), cancellationToken);
            var reset = row.Value;
            reset.State = OutboxEntity.Pending;
            reset.EnqueuedAt = null;
            reset.Attempts = 0;
            reset.NextAttemptAt = null;
            reset.Since = time.GetUtcNow();
            await storage.Jobs.UpdateEntityAsync(reset, reset.ETag, TableUpdateMode.Replace, cancellationToken);
            await DeleteDeadLetterAsync(dead.PartitionKey, dead.RowKey, cancellationToken);
            await EnqueueAsync(reset.PartitionKey, reset.RowKey, cancellationToken);
            LogReplayed(logger, jobId, reset.Type, reset.WebhookId);
            return true;
        }

        // Replayed already (a crash after the reset), or the row is gone: nothing more to do.
        await DeleteDeadLetterAsync(dead.PartitionKey, dead.RowKey, cancellationToken);
        return false;
    }

    public static string Body(string type, Job job, DateTimeOffset at, HealthView? health = null) =>
        JsonSerializer.Serialize(new EventBody(type, at, StatusDocument.From(job, health, now: at)), Json.Options);

    internal IAsyncEnumerable<OutboxEntity> Outbox(Guid jobId, CancellationToken cancellationToken) =>
        storage.Jobs.QueryAsync<OutboxEntity>(OutboxFilter(jobId), cancellationToken: cancellationToken);

    private static string OutboxFilter(Guid jobId) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {JobEntity.Key(jobId)} and RowKey ge {OutboxEntity.RowPrefix} and RowKey lt {OutboxEntity.RowEnd}");

    /// <summary>
    /// As <see cref="PublishAsync(string, Guid, string?, CancellationToken)"/> for a job already read,
    /// with the agent's health in the document (<c>agent.unhealthy</c>, <c>agent.recovered</c>).
    /// </summary>
    public Task<bool> PublishAsync(string type, Job job, string? key, HealthView? health, CancellationToken cancellationToken) =>
        Enabled ? PublishAsync(type, job, key, cancellationToken, health) : Task.FromResult(false);

    private async Task<bool> PublishAsync(string type, Job job, string? key, CancellationToken cancellationToken, HealthView? health = null)
    {
        var now = time.GetUtcNow();
        if (job.IsTerminal)
        {
            // A job that has ended may have left the in-flight index: watched again before its row
            // is written, so the sweeper will enqueue the row if this process stops before it does.
            await inFlight.WatchAsync(job.JobId, now, cancellationToken);
        }

        var row = OutboxEntity.Create(job.JobId, type, key, Body(type, job, now, health), now);
        try
        {
            await storage.Jobs.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await storage.Jobs.GetEntityAsync<OutboxEntity>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken);
            if (existing.Value.State == OutboxEntity.Pending && existing.Value.EnqueuedAt is null)
            {
                await EnqueueAsync(row.PartitionKey, row.RowKey, cancellationToken);
            }

            return false;
        }

        await EnqueueWrittenAsync([row], cancellationToken);
        LogRaised(logger, job.JobId, type, row.WebhookId);
        return true;
    }

    private async Task EnqueueAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var message = new NotificationMessage(Guid.Parse(partitionKey), rowKey, 1);
        await storage.NotifyQueue.SendMessageAsync(message.Serialize(), cancellationToken);

        // Merge touches only EnqueuedAt: a delivery that finished meanwhile keeps its state.
        await storage.Jobs.UpdateEntityAsync(
            new TableEntity(partitionKey, rowKey) { [nameof(OutboxEntity.EnqueuedAt)] = time.GetUtcNow() },
            ETag.All,
            TableUpdateMode.Merge,
            cancellationToken);
    }

    private async Task DeleteDeadLetterAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await storage.NotifyDeadLetters.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Removed already.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: row {RowKey} cannot be read or sent again; skipped, the others go on")]
    private static partial void LogSkippedRow(ILogger logger, Guid jobId, string rowKey, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the {Type} notification could not be put on the queue now; the time-out sweeper will")]
    private static partial void LogEnqueueDeferred(ILogger logger, string jobId, string type, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: raised {Type} ({WebhookId})")]
    private static partial void LogRaised(ILogger logger, Guid jobId, string type, string webhookId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the {Type} notification {WebhookId} was not on the queue; put it there")]
    private static partial void LogRecovered(ILogger logger, Guid jobId, string type, string webhookId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: replaying the dead-lettered {Type} notification {WebhookId}")]
    private static partial void LogReplayed(ILogger logger, Guid jobId, string type, string webhookId);
}
