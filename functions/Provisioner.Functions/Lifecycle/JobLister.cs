using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifecycle;

/// <summary>
/// Reads a page of a job list: one range read of the list's partition in the <c>jobindex</c>
/// table, then a point read of each listed job's row (in parallel). So a page costs about
/// <c>limit + 1</c> requests whatever the number of jobs stored. An entry whose job is not in
/// the list (any more) is skipped and, when it can never be right again, removed (see
/// <see cref="JobIndex"/>); the page is then filled from further entries.
/// </summary>
internal sealed class JobLister(JobIndex index, JobStore jobs, TimeProvider time)
{
    public Task<JobPage> ByStatusAsync(JobStatus? status, int limit, string? after, CancellationToken cancellationToken) =>
        ReadAsync(status is { } s ? JobIndex.StatusPartition(s) : JobIndex.AllPartition, job => status is not { } s2 || job.Status == s2, status, limit, after, cancellationToken);

    public Task<JobPage> ByAgentAsync(string agentId, int limit, string? after, CancellationToken cancellationToken) =>
        ReadAsync(JobIndex.AgentPartition(agentId), job => job.AgentId == agentId, null, limit, after, cancellationToken);

    private async Task<JobPage> ReadAsync(string partition, Func<Job, bool> belongs, JobStatus? status, int limit, string? after, CancellationToken cancellationToken)
    {
        var found = new List<JobSummary>(limit);
        var cursor = after;
        while (true)
        {
            var need = limit - found.Count;

            // One entry more than needed says whether anything follows, without a second read.
            var keys = await index.RangeAsync(partition, cursor, need + 1, cancellationToken);
            var page = keys.Take(need).ToArray();
            var read = await Task.WhenAll(page.Select(key => jobs.FindAsync(JobIdOf(key), cancellationToken)));
            for (var i = 0; i < page.Length; i++)
            {
                cursor = page[i];
                if (read[i] is { } job && JobIndex.RowKeyOf(job) != page[i])
                {
                    // Written by a create or retry that lost the race to add this job id (it
                    // had its own creation time): the job is listed under the winner's key.
                    await index.RepairAsync(partition, page[i], cancellationToken);
                }
                else if (read[i] is { } listed && belongs(listed))
                {
                    found.Add(JobSummary.From(listed, time.GetUtcNow()));
                }
                else if (read[i] is { } moved && status is { } entry && JobIndex.IsBehind(entry, moved.Status))
                {
                    await index.RepairAsync(partition, page[i], cancellationToken);
                }

                // A missing job is skipped but its entry kept: its creator may be between the entry and the row.
            }

            if (keys.Count <= need)
            {
                return new JobPage(found, null);
            }

            if (found.Count == limit)
            {
                return new JobPage(found, ContinuationToken.Encode(cursor!));
            }
        }
    }

    private static Guid JobIdOf(string rowKey) => Guid.ParseExact(rowKey.AsSpan(20), "D");
}
