using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

/// <summary>
/// The job lists (the <c>jobindex</c> table), so that listing jobs is a range read of one
/// partition and never a scan of the <c>jobs</c> table. Each job has three entries, all with the
/// RowKey <see cref="RowKeyOf"/> (inverted creation time, then the job id: newest first):
/// <list type="bullet">
/// <item><c>all</c>: every job, written once;</item>
/// <item><c>agent-{agent_id}</c>: the agent's jobs, written once;</item>
/// <item><c>status-{status}</c>: the job under its current status; moves when the status does.</item>
/// </list>
/// No entry can be written in the same transaction as the job row (another partition), so the
/// order of writes keeps every job listed: an entry is written <em>before</em> the job row that
/// needs it (a new job, or a job entering a status), and the entry it leaves behind is removed
/// <em>after</em> the job row moved on. A crash in between leaves an extra entry, never a missing
/// one; the list reads each entry's job row anyway, skips entries whose job is not (or no longer)
/// in that list, and removes those that can never be right again (<see cref="IsBehind"/>).
/// </summary>
internal sealed class JobIndex(StorageClients storage)
{
    public const string AllPartition = "all";

    public static string StatusPartition(JobStatus status) => "status-" + status.ToString().ToLowerInvariant();

    public static string AgentPartition(string agentId) => "agent-" + agentId;

    /// <summary>19 digits of (max ticks − creation ticks), '_', the job id: sorts newest first, unique per job.</summary>
    public static string RowKeyOf(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return (DateTimeOffset.MaxValue.UtcTicks - job.CreatedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "_" + JobEntity.Key(job.JobId);
    }

    /// <summary>Whether <paramref name="rowKey"/> has the shape <see cref="RowKeyOf"/> writes (for a continuation from a caller).</summary>
    public static bool IsRowKey(string rowKey) =>
        rowKey is { Length: 56 } && rowKey[19] == '_' && !rowKey.AsSpan(0, 19).ContainsAnyExceptInRange('0', '9')
        && Guid.TryParseExact(rowKey.AsSpan(20), "D", out var id) && JobEntity.Key(id) == rowKey[20..];

    /// <summary>Lists a new job; called before its job row is added.</summary>
    public Task AddAsync(Job job, CancellationToken cancellationToken) =>
        Task.WhenAll(
            UpsertAsync(AllPartition, job, cancellationToken),
            UpsertAsync(AgentPartition(job.AgentId), job, cancellationToken),
            UpsertAsync(StatusPartition(job.Status), job, cancellationToken));

    /// <summary>Lists a job under the status it is about to take; called before the job row that takes it is written.</summary>
    public Task EnterAsync(Job next, CancellationToken cancellationToken) =>
        UpsertAsync(StatusPartition(next.Status), next, cancellationToken);

    /// <summary>Removes a job from the status it has left; called after the job row moved on.</summary>
    public Task LeaveAsync(Job job, JobStatus left, CancellationToken cancellationToken) =>
        DeleteAsync(StatusPartition(left), RowKeyOf(job), cancellationToken);

    /// <summary>Removes every entry of a job that was deleted (created but never claimed its agent).</summary>
    public Task RemoveAsync(Job job, CancellationToken cancellationToken) =>
        Task.WhenAll(
            DeleteAsync(AllPartition, RowKeyOf(job), cancellationToken),
            DeleteAsync(AgentPartition(job.AgentId), RowKeyOf(job), cancellationToken),
            DeleteAsync(StatusPartition(job.Status), RowKeyOf(job), cancellationToken));

    /// <summary>Up to <paramref name="take"/> entries of <paramref name="partition"/> after <paramref name="after"/> (null: from the newest): one range read.</summary>
    public async Task<IReadOnlyList<string>> RangeAsync(string partition, string? after, int take, CancellationToken cancellationToken)
    {
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after}");
        var keys = new List<string>(take);
        await foreach (var page in storage.JobIndex.QueryAsync<JobIndexEntity>(filter, maxPerPage: take, select: ["RowKey"], cancellationToken: cancellationToken).AsPages(pageSizeHint: take))
        {
            keys.AddRange(page.Values.Select(e => e.RowKey).Take(take - keys.Count));
            if (keys.Count >= take || page.ContinuationToken is null)
            {
                break;
            }
        }

        return keys;
    }

    /// <summary>
    /// True when a status entry can never be right for its job again: the job has ended under
    /// another status, or has a status that comes after the entry's (statuses never go back:
    /// queued, provisioning, cancelling, then running, failed or cancelled).
    /// An entry <em>ahead</em> of an unfinished job may belong to a writer between writing the
    /// entry and the job row, so it is skipped, never removed.
    /// </summary>
    public static bool IsBehind(JobStatus entry, JobStatus job) => entry != job && (Rank(job) == Terminal || Rank(job) > Rank(entry));

    /// <summary>Removes an entry found to be behind its job.</summary>
    public Task RepairAsync(string partition, string rowKey, CancellationToken cancellationToken) => DeleteAsync(partition, rowKey, cancellationToken);

    private const int Terminal = 9;

    private static int Rank(JobStatus status) => status switch
    {
        JobStatus.Queued => 0,
        JobStatus.Provisioning => 1,
        JobStatus.Cancelling => 2,
        _ => Terminal, // running, failed, cancelled: a job never leaves them
    };

    private async Task UpsertAsync(string partition, Job job, CancellationToken cancellationToken) =>
        await storage.JobIndex.UpsertEntityAsync(new JobIndexEntity { PartitionKey = partition, RowKey = RowKeyOf(job) }, TableUpdateMode.Replace, cancellationToken);

    private async Task DeleteAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await storage.JobIndex.DeleteEntityAsync(partition, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone.
        }
    }
}
