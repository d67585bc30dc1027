using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.TimeOuts;

/// <summary>
/// Fails jobs that missed a deadline (<see cref="Deadlines"/>), each with its reason. It reads
/// only the in-flight index (one partition) and one point read per entry, so its cost follows
/// the jobs in flight, not every job ever created. A job's last sign of life is its
/// <c>updated_at</c>: creation, dispatch, and every callback or heartbeat that changed it.
/// The rest of a sweep is done by its watchers (<see cref="IInFlightWatcher"/>), in order:
/// GitHub is asked about a silent job's run before its deadlines are checked (Reconcile/), whose
/// answer may fail it sooner and with a better reason; the notifications are kept from being lost
/// (Notifications/: <c>job.stalled</c> near a deadline, events a crash left off the queue, the
/// dead letters an operator marked), and a job is let go only once its events are on the queue;
/// a job that has ended is published once more before it is let go (<see cref="ReleaseFollowUps"/>).
/// </summary>
internal sealed partial class TimeoutSweeper(
    JobStore jobs,
    InFlightIndex inFlight,
    IOptions<TimeoutOptions> options,
    TimeProvider time,
    ILogger<TimeoutSweeper> logger,
    IEnumerable<IInFlightWatcher> watchers)
{
    private readonly IInFlightWatcher[] _watchers = [.. watchers];

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var limits = new DeadlineLimits(options.Value.DispatchStart, options.Value.Silence, options.Value.Max);
        foreach (var watcher in _watchers)
        {
            await watcher.BeginSweepAsync(cancellationToken);
        }

        var tally = new SweepTally();
        int watched = 0, timedOut = 0, released = 0, skipped = 0;
        await foreach (var entry in inFlight.WatchedAsync(cancellationToken))
        {
            watched++;
            try
            {
                var (failed, let) = await SweepOneAsync(entry, limits, tally, cancellationToken);
                timedOut += failed ? 1 : 0;
                released += let ? 1 : 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One job that cannot be read or moved (a malformed row, a bug it alone meets) must
                // not stop the sweep for every other job: it stays watched and is tried next time.
                skipped++;
                LogSkipped(logger, entry.JobId, ex);
            }
        }

        return new SweepResult(watched, timedOut, released, tally.Reconciled, tally.NotModified, tally.FailedByGitHub) { Skipped = skipped };
    }

    /// <summary>One watched job: whether this sweep failed it for a missed deadline, and whether it was let go.</summary>
    private async Task<(bool TimedOut, bool Released)> SweepOneAsync(WatchedJob entry, DeadlineLimits limits, SweepTally tally, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var jobId = entry.JobId;
        var job = await jobs.FindAsync(jobId, cancellationToken);
        if (job is null)
        {
            if (now - entry.Since > options.Value.OrphanGrace)
            {
                await inFlight.UnwatchAsync(jobId, cancellationToken);
                return (false, true);
            }

            return (false, false);
        }

        foreach (var watcher in _watchers)
        {
            job = await watcher.BeforeDeadlinesAsync(job, now, limits, tally, cancellationToken);
        }

        now = time.GetUtcNow(); // a watcher may have waited on GitHub
        var timedOut = false;
        if (job.Status == JobStatus.Cancelling)
        {
            // A cancel has its own deadline; the others would call it a failure.
            var limit = TimeSpan.FromMinutes(options.Value.CancelConfirmMinutes);
            job = await jobs.UpdateAsync(jobId, j => Cancellation.EndUnconfirmed(j, now, limit), cancellationToken) ?? job;
            timedOut = job.CancelledAt == now;
        }
        else if (Deadlines.Missed(job, now, limits) is not null)
        {
            // Decided again on the job as stored: it may have moved (or ended) since it was read.
            job = await jobs.UpdateAsync(
                jobId,
                j => Deadlines.Missed(j, now, limits) is { } missed ? JobTransitions.Fail(j, missed.Reason, missed.Message, null, now) : null,
                cancellationToken) ?? job;
            if (job.Failure is { } failure && failure.At == now)
            {
                timedOut = true;
                LogTimedOut(logger, jobId, failure.Reason?.Code(), failure.StepIndex);
            }
        }

        if (await HeldAsync(job, now, limits, cancellationToken))
        {
            return (timedOut, false); // something of this job is not done yet (an event not on the queue): keep watching until it is
        }

        if (job.IsTerminal)
        {
            await inFlight.UnwatchAsync(jobId, cancellationToken);
            return (timedOut, true);
        }

        return (timedOut, false);
    }

    private async Task<bool> HeldAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken)
    {
        foreach (var watcher in _watchers)
        {
            if (await watcher.HoldsAsync(job, now, limits, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: skipped by this time-out sweep, which goes on with the other jobs")]
    private static partial void LogSkipped(ILogger logger, Guid jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: missed a deadline ({Reason}), failed on step {StepIndex}")]
    private static partial void LogTimedOut(ILogger logger, Guid jobId, string? reason, int stepIndex);
}
