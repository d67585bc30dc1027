using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Jobs and their callbacks, one partition per job in the <c>jobs</c> table. Every operation
/// is a fixed number of point reads and writes, whatever the number of jobs: nothing scans.
/// The job row is written only under the ETag it was read with (<see cref="ConflictRetry"/>).
/// The rows a change or a new job brings along (the notification outbox, the audit entry:
/// <see cref="IJobWriteParticipant"/>) are written in the same transaction, and the participants
/// told after the commit.
/// Every write that adds a job or changes its status keeps the job lists in step (<see cref="JobIndex"/>).
/// </summary>
internal sealed class JobStore(StorageClients storage, JobIndex index, IEnumerable<IJobWriteParticipant> participants)
{
    private readonly IJobWriteParticipant[] _participants = [.. participants];

    public async Task<Job?> FindAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await ReadAsync(jobId, cancellationToken))?.Job;

    /// <summary>
    /// The job, whether a newer job replaced it, and, <paramref name="withAgentReport"/>, its
    /// agent's last report: one point read of the job row, or one range read of the job row and
    /// the report row beside it (no other row of the partition sorts between them).
    /// </summary>
    public async Task<StoredJob?> FindStoredAsync(Guid jobId, bool withAgentReport, CancellationToken cancellationToken)
    {
        if (!withAgentReport)
        {
            return await ReadAsync(jobId, cancellationToken) is { } stored ? new StoredJob(stored.Job, stored.Entity.SupersededBy, null) : null;
        }

        JobEntity? job = null;
        string? report = null;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {JobEntity.Key(jobId)} and RowKey ge {JobEntity.ReportRow} and RowKey le {JobEntity.Row}");
        await foreach (var row in storage.Jobs.QueryAsync<JobEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey == JobEntity.Row)
            {
                job = row;
            }
            else if (row.RowKey == JobEntity.ReportRow)
            {
                report = row.AgentReport;
            }
        }

        return job is null ? null : new StoredJob(job.ToJob(), job.SupersededBy, report);
    }

    /// <summary>The agent's last report kept beside the job (one point read); null when none was.</summary>
    public async Task<string?> FindAgentReportAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var response = await storage.Jobs.GetEntityIfExistsAsync<TableEntity>(JobEntity.Key(jobId), JobEntity.ReportRow, [nameof(JobEntity.AgentReport)], cancellationToken);
        return response.HasValue ? response.Value!.GetString(nameof(JobEntity.AgentReport)) : null;
    }

    /// <summary>Keeps the agent's last report on the job's side row; the job row is not written.</summary>
    public async Task AttachAgentReportAsync(Guid jobId, string report, CancellationToken cancellationToken) =>
        await storage.Jobs.UpsertEntityAsync(new TableEntity(JobEntity.Key(jobId), JobEntity.ReportRow) { [nameof(JobEntity.AgentReport)] = report }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Marks a job as no longer its agent's newest (a merge of that one side property); false when there is no such job.</summary>
    public async Task<bool> MarkSupersededAsync(Guid jobId, Guid by, CancellationToken cancellationToken)
    {
        // Under any ETag: it changes no job property, and a job write that read the row before
        // fails on the ETag, reads again and keeps it (JobEntity.Keeping).
        try
        {
            await storage.Jobs.UpdateEntityAsync(new TableEntity(JobEntity.Key(jobId), JobEntity.Row) { [nameof(JobEntity.SupersededBy)] = by }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// The job with its row's version: the time storage gave the row's last write, which every
    /// write moves forward. One point read; a reader that saw the same version holds the same job.
    /// </summary>
    public async Task<(Job Job, DateTimeOffset Version)?> FindVersionedAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var response = await storage.Jobs.GetEntityIfExistsAsync<JobEntity>(JobEntity.Key(jobId), JobEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? (response.Value!.ToJob(), response.Value.Timestamp ?? DateTimeOffset.MinValue) : null;
    }

    /// <summary>
    /// Adds a new job, with the rows its participants bring (the audit entry of the request that
    /// made it) in the same transaction; false when a job with that id exists already.
    /// </summary>
    public async Task<bool> TryAddAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await index.AddAsync(job, cancellationToken);
        var rows = RowsFor(null, job);
        try
        {
            if (rows.All(r => r.Count == 0))
            {
                await storage.Jobs.AddEntityAsync(JobEntity.From(job), cancellationToken);
                return true;
            }

            await storage.Jobs.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, JobEntity.From(job)),
                    .. rows.SelectMany(r => r).Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)),
                ],
                cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409 && (e as TableTransactionFailedException)?.FailedTransactionActionIndex is null or 0)
        {
            return false;
        }

        await CommittedAsync(rows, cancellationToken);
        return true;
    }

    /// <summary>Removes a job that never got its agent (so was never enqueued), if it is still as created.</summary>
    public async Task DeleteUnclaimedAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(jobId, cancellationToken);
        if (stored is null || stored.Value.Job.Status != JobStatus.Queued || stored.Value.Job.DispatchedAt is not null)
        {
            return;
        }

        try
        {
            await storage.Jobs.DeleteEntityAsync(JobEntity.Key(jobId), JobEntity.Row, stored.Value.ETag, cancellationToken);
            await index.RemoveAsync(stored.Value.Job, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or changed meanwhile: either way not ours to remove.
        }
    }

    /// <summary>
    /// Keeps a callback and applies it to its job in one entity-group transaction: the callback
    /// row is added (which fails if it was kept before: a duplicate) and the job row replaced
    /// under its ETag (which fails if another callback changed it meanwhile: read and apply
    /// again). So no update is lost and none is applied twice.
    /// </summary>
    public Task<RecordResult> RecordCallbackAsync(CallbackRecord record, Func<Job, CallbackOutcome> apply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(apply);
        return ConflictRetry.RunAsync($"record a callback for job {record.JobId}", async () =>
        {
            if (await ReadAsync(record.JobId, cancellationToken) is not { } stored)
            {
                return Round<RecordResult>.Done(new RecordResult.UnknownJob());
            }

            switch (apply(stored.Job))
            {
                case CallbackOutcome.ClaimRefused refused:
                    return Round<RecordResult>.Done(new RecordResult.Refused(refused.Reason));
                case CallbackOutcome.Accepted { Changed: false } unchanged:
                    return Round<RecordResult>.Done(await TryAddAloneAsync(CallbackEntity.From(record, applied: false), cancellationToken)
                        ? new RecordResult.Recorded(unchanged.Job, Changed: false, stored.Job)
                        : new RecordResult.Duplicate());
                case CallbackOutcome.Accepted changed:
                    var rows = RowsFor(stored.Job, changed.Job);
                    TableTransactionAction[] actions =
                    [
                        new(TableTransactionActionType.Add, CallbackEntity.From(record, applied: true)),
                        new(TableTransactionActionType.UpdateReplace, JobEntity.From(changed.Job).Keeping(stored.Entity), stored.ETag),
                        .. rows.SelectMany(r => r).Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)),
                    ];
                    await EnterStatusAsync(stored.Job, changed.Job, cancellationToken);
                    try
                    {
                        await storage.Jobs.SubmitTransactionAsync(actions, cancellationToken);
                        ProvisionerTelemetry.JobChanged(stored.Job, changed.Job);
                        await CommittedAsync(rows, cancellationToken);
                        await LeaveStatusAsync(stored.Job, changed.Job, cancellationToken);
                        return Round<RecordResult>.Done(new RecordResult.Recorded(changed.Job, Changed: true, stored.Job));
                    }
                    catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is null or 0)
                    {
                        return Round<RecordResult>.Done(new RecordResult.Duplicate());
                    }
                    catch (TableTransactionFailedException e) when (e.Status == 412)
                    {
                        return Round<RecordResult>.Conflict; // the job changed since it was read
                    }

                default:
                    throw new InvalidOperationException("unknown callback outcome");
            }
        });
    }

    /// <summary>
    /// Changes a job with <paramref name="change"/> (null: nothing to change), re-reading and
    /// re-applying when another writer got there first. Returns the job as stored afterwards,
    /// or null when there is no such job.
    /// </summary>
    public Task<Job?> UpdateAsync(Guid jobId, Func<Job, Job?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return ConflictRetry.RunAsync($"update job {jobId}", async () =>
        {
            if (await ReadAsync(jobId, cancellationToken) is not { } stored)
            {
                return Round<Job?>.Done(null);
            }

            if (change(stored.Job) is not { } next || next == stored.Job)
            {
                return Round<Job?>.Done(stored.Job);
            }

            var rows = RowsFor(stored.Job, next);
            await EnterStatusAsync(stored.Job, next, cancellationToken);
            try
            {
                if (rows.All(r => r.Count == 0))
                {
                    await storage.Jobs.UpdateEntityAsync(JobEntity.From(next).Keeping(stored.Entity), stored.ETag, TableUpdateMode.Replace, cancellationToken);
                    ProvisionerTelemetry.JobChanged(stored.Job, next);
                    await LeaveStatusAsync(stored.Job, next, cancellationToken);
                    return Round<Job?>.Done(next);
                }

                await storage.Jobs.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace, JobEntity.From(next).Keeping(stored.Entity), stored.ETag),
                        .. rows.SelectMany(r => r).Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)),
                    ],
                    cancellationToken);
                ProvisionerTelemetry.JobChanged(stored.Job, next);
                await CommittedAsync(rows, cancellationToken);
                await LeaveStatusAsync(stored.Job, next, cancellationToken);
                return Round<Job?>.Done(next);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                return Round<Job?>.Conflict;
            }
        });
    }

    // One list of rows per participant, in the order of _participants.
    private IReadOnlyList<ITableEntity>[] RowsFor(Job? before, Job after) =>
        [.. _participants.Select(p => p.RowsFor(before, after))];

    private async Task CommittedAsync(IReadOnlyList<ITableEntity>[] rows, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _participants.Length; i++)
        {
            if (rows[i].Count > 0)
            {
                await _participants[i].CommittedAsync(rows[i], cancellationToken);
            }
        }
    }

    // The entry for the new status before the job row, the old one's removal after: see JobIndex.
    private Task EnterStatusAsync(Job before, Job after, CancellationToken cancellationToken) =>
        before.Status == after.Status ? Task.CompletedTask : index.EnterAsync(after, cancellationToken);

    // The job row is written by now, so a failure here must not fail the write: the entry left
    // behind is skipped by the list, and removed by the next list that reads it.
    private async Task LeaveStatusAsync(Job before, Job after, CancellationToken cancellationToken)
    {
        if (before.Status == after.Status)
        {
            return;
        }

        try
        {
            await index.LeaveAsync(before, before.Status, cancellationToken);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e, cancellationToken))
        {
        }
    }

    private async Task<(Job Job, ETag ETag, JobEntity Entity)?> ReadAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var response = await storage.Jobs.GetEntityIfExistsAsync<JobEntity>(JobEntity.Key(jobId), JobEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? (response.Value!.ToJob(), response.Value.ETag, response.Value) : null;
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
}
