using Microsoft.Extensions.Logging;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Teardown;

/// <summary>
/// Marks a provision job's server removed once the deprovision job that removed it ended
/// <c>running</c>. The two jobs live in different partitions, so no transaction spans them:
/// the mark is idempotent (set once, under the provision job row's ETag) and is applied by
/// every path that sees the deprovision job ended: its <c>running</c> callback (and that
/// callback sent again), the time-out sweeper before it stops watching the job, and a later
/// <c>DELETE</c> of the agent's server. A crash between the callback and the mark is
/// repaired by the next of these, so the mark is never lost.
/// </summary>
internal sealed partial class ServerRemoval(JobStore jobs, TimeProvider time, ILogger<ServerRemoval> logger) : IJobObserver
{
    /// <summary>
    /// Observes jobs: a deprovision job seen ended running (its <c>running</c> callback, that
    /// callback sent again, the sweeper letting the job go) marks its provision job's server
    /// removed. Only a <c>running</c> callback can end a deprovision job.
    /// </summary>
    public async Task OnChangedAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Callback is { Kind: not CallbackKind.Running })
        {
            return;
        }

        await ApplyAsync(change.After, cancellationToken);
    }

    /// <summary>Marks the server of the job <paramref name="deprovision"/> removed, if it has ended running; the provision job as stored afterwards, or null.</summary>
    public async Task<Job?> ApplyAsync(Job deprovision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deprovision);
        if (deprovision is not { Kind: JobKind.Deprovision, Status: JobStatus.Running, RunningAt: { } removedAt, RemovesServerOfJobId: { } target })
        {
            return null;
        }

        var now = time.GetUtcNow();
        var marked = await jobs.UpdateAsync(
            target,
            j => j.ServerRemovedAt is not null ? null : j with
            {
                ServerRemovedAt = removedAt,
                ServerRemovedByJobId = deprovision.JobId,
                UpdatedAt = j.UpdatedAt > now ? j.UpdatedAt : now,
            },
            cancellationToken);
        if (marked is { ServerRemovedByJobId: { } by } && by == deprovision.JobId)
        {
            LogMarked(logger, target, deprovision.JobId);
        }

        return marked;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: its server is marked removed by deprovision job {DeprovisionJobId}")]
    private static partial void LogMarked(ILogger logger, Guid jobId, Guid deprovisionJobId);
}
