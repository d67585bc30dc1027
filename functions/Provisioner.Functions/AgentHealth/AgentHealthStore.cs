using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// The <c>agenthealth</c> table: one row per agent whose job runs or reports. A report is one
/// point read and one write under that read's ETag, whatever the number of agents; the
/// sweeper reads this one partition and nothing else.
/// </summary>
internal sealed class AgentHealthStore(StorageClients storage)
{
    private static readonly JsonSerializerOptions ChecksJson = new(JsonSerializerDefaults.Web);

    public async Task<AgentHealthRecord?> FindAsync(string agentId, CancellationToken cancellationToken) =>
        (await ReadAsync(agentId, cancellationToken)) is { } row ? ToRecord(row) : null;

    /// <summary>Puts a job that reached running into the index (idempotent); a row of an older job of the agent is replaced.</summary>
    public Task EnrollAsync(string agentId, Guid jobId, DateTimeOffset runningAt, CancellationToken cancellationToken) =>
        ConflictRetry.RunAsync($"enrol agent {agentId} for health", async () =>
        {
            var row = await ReadAsync(agentId, cancellationToken);
            if (row is { RunningAt: not null } && row.JobId == jobId)
            {
                return Round<bool>.Done(true);
            }

            var next = row is not null && row.JobId == jobId ? row : Fresh(agentId, jobId);
            next.RunningAt = runningAt;
            return await TryWriteAsync(row, next, cancellationToken) ? Round<bool>.Done(true) : Round<bool>.Conflict;
        });

    /// <summary>
    /// Keeps a report as the agent's last, unless the same job reported less than
    /// <paramref name="minInterval"/> ago: then nothing is written and the wait is returned.
    /// </summary>
    public Task<TimeSpan?> RecordReportAsync(string agentId, Guid jobId, AgentReport report, DateTimeOffset at, TimeSpan minInterval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return ConflictRetry.RunAsync($"record a health report of agent {agentId}", async () =>
        {
            var row = await ReadAsync(agentId, cancellationToken);
            if (row is not null && row.JobId == jobId && row.LastReportAt is { } last && at - last < minInterval)
            {
                return Round<TimeSpan?>.Done(minInterval - (at - last));
            }

            var next = row is not null && row.JobId == jobId ? row : Fresh(agentId, jobId);
            next.LastReportAt = at;
            next.ReportStatus = report.Status;
            next.ChecksJson = JsonSerializer.Serialize(report.Checks, ChecksJson);
            next.Version = report.Version;
            return await TryWriteAsync(row, next, cancellationToken) ? Round<TimeSpan?>.Done(null) : Round<TimeSpan?>.Conflict;
        });
    }

    /// <summary>Every row of the index, with the ETag each was read with (for <see cref="TryRecordStateAsync"/>).</summary>
    /// <summary>
    /// Every row of the index, each as its record, or, for a row that cannot be read (a malformed
    /// value), as the error with the row's agent and job, so the caller can skip it and go on.
    /// </summary>
    public async IAsyncEnumerable<(AgentHealthRecord? Record, string AgentId, Guid JobId, ETag ETag, Exception? Unreadable)> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in storage.AgentHealth.QueryAsync<AgentHealthEntity>(e => e.PartitionKey == AgentHealthEntity.Partition, cancellationToken: cancellationToken))
        {
            AgentHealthRecord? record = null;
            Exception? unreadable = null;
            try
            {
                record = ToRecord(row);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException)
            {
                unreadable = ex;
            }

            yield return (record, row.RowKey, row.JobId, row.ETag, unreadable);
        }
    }

    /// <summary>Records the state the sweeper saw; false when the row changed since it was read (a report came in: the next sweep decides).</summary>
    public async Task<bool> TryRecordStateAsync(string agentId, ETag etag, HealthState state, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(AgentHealthEntity.Partition, agentId) { [nameof(AgentHealthEntity.RecordedState)] = Name(state) };
        try
        {
            await storage.AgentHealth.UpdateEntityAsync(patch, etag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Takes an agent's row out of the index, unless it changed since it was read.</summary>
    public async Task TryRemoveAsync(string agentId, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await storage.AgentHealth.DeleteEntityAsync(AgentHealthEntity.Partition, agentId, etag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or a newer job's report replaced it: not ours to remove.
        }
    }

    public static string Name(HealthState state) => state.ToString().ToLowerInvariant();

    private static AgentHealthEntity Fresh(string agentId, Guid jobId) => new() { RowKey = agentId, JobId = jobId };

    private async Task<AgentHealthEntity?> ReadAsync(string agentId, CancellationToken cancellationToken)
    {
        var response = await storage.AgentHealth.GetEntityIfExistsAsync<AgentHealthEntity>(AgentHealthEntity.Partition, agentId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Adds the row when none was read, else replaces it under the ETag read; false on a conflict.</summary>
    private async Task<bool> TryWriteAsync(AgentHealthEntity? read, AgentHealthEntity next, CancellationToken cancellationToken)
    {
        try
        {
            if (read is null)
            {
                await storage.AgentHealth.AddEntityAsync(next, cancellationToken);
            }
            else
            {
                await storage.AgentHealth.UpdateEntityAsync(next, read.ETag, TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    private static AgentHealthRecord ToRecord(AgentHealthEntity row)
    {
        AgentReport? report = null;
        if (row.ReportStatus is { } status)
        {
            var checks = row.ChecksJson is { Length: > 0 } json ? JsonSerializer.Deserialize<List<AgentCheck>>(json, ChecksJson) ?? [] : [];
            report = new AgentReport(status, checks, row.Version);
        }

        HealthState? recorded = Enum.TryParse<HealthState>(row.RecordedState, ignoreCase: true, out var s) ? s : null;
        return new AgentHealthRecord(row.RowKey, row.JobId, row.RunningAt, row.LastReportAt, report, recorded);
    }
}
