using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Reconcile;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.TimeOuts;

/// <summary>
/// Fails jobs that missed a deadline (<see cref="Deadlines"/>), each with its reason. It reads
/// only the in-flight index (one partition) and one point read per entry, so its cost follows
/// the jobs in flight, not every job ever created. A job's last sign of life is its
/// <c>updated_at</c>: creation, dispatch, and every callback or heartbeat that changed it.
/// It also keeps notifications from being lost (<see cref="NotificationOutbox"/>): it raises
/// <c>job.stalled</c> near a deadline, enqueues events a crash left off the queue, lets a job go
/// only once its events are on the queue, and replays the dead letters an operator marked.
/// </summary>
/// Before a deadline fails a job, and once it has been silent a while, GitHub is asked about
/// its run (<see cref="RunReconciler"/>), whose answer may fail it sooner and with a better reason;
/// a run GitHub says is waiting for a runner raises <c>job.stalled</c> once.
public sealed partial class TimeoutSweeper(JobStore jobs, InFlightIndex inFlight, IOptions<TimeoutOptions> options, TimeProvider time, ILogger<TimeoutSweeper> logger, NotificationOutbox notifications, RunReconciler reconciler, Teardown.ServerRemoval removal)
{
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        await notifications.ReplayRequestedAsync(cancellationToken);
        int watched = 0, timedOut = 0, released = 0, reconciled = 0, notModified = 0, failedByGitHub = 0;
        await foreach (var entry in inFlight.WatchedAsync(cancellationToken))
        {
            watched++;
            var now = time.GetUtcNow();
            var jobId = entry.JobId;
            var job = await jobs.FindAsync(jobId, cancellationToken);
            if (job is null)
            {
                if (now - entry.Since > options.Value.OrphanGrace)
                {
                    await inFlight.UnwatchAsync(jobId, cancellationToken);
                    released++;
                }

                continue;
            }

            if (reconciler.IsDue(job, now, limits))
            {
                var answer = await reconciler.ReconcileAsync(job, cancellationToken);
                job = answer.Job;
                reconciled += answer.Verdict == ReconcileVerdict.Skipped ? 0 : 1;
                notModified += answer.NotModified ? 1 : 0;
                failedByGitHub += answer.Verdict == ReconcileVerdict.Failed ? 1 : 0;
                now = time.GetUtcNow();
                if (!job.IsTerminal && job.WaitingFor == RunReconciler.Runner)
                {
                    await notifications.PublishAsync(EventTypes.JobStalled, job, RunReconciler.Runner, null, cancellationToken);
                }
            }

            if (job.Status == JobStatus.Cancelling)
            {
                // A cancel has its own deadline; the others would call it a failure.
                var limit = TimeSpan.FromMinutes(options.Value.CancelConfirmMinutes);
                job = await jobs.UpdateAsync(jobId, j => Cancellation.EndUnconfirmed(j, now, limit), cancellationToken) ?? job;
                timedOut += job.CancelledAt == now ? 1 : 0;
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
                    timedOut++;
                    LogTimedOut(logger, jobId, failure.Reason?.Code(), failure.StepIndex);
                }
            }

            await notifications.WarnIfNearDeadlineAsync(job, now, limits, cancellationToken);
            if (await notifications.FlushAsync(jobId, now, cancellationToken))
            {
                continue; // an event of this job is not on the queue yet: keep watching until it is
            }

            if (job.IsTerminal)
            {
                await removal.ApplyAsync(job, cancellationToken); // a deprovision job's mark, if its callback could not write it
                await inFlight.UnwatchAsync(jobId, cancellationToken);
                released++;
            }
        }

        return new SweepResult(watched, timedOut, released, reconciled, notModified, failedByGitHub);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: missed a deadline ({Reason}), failed on step {StepIndex}")]
    private static partial void LogTimedOut(ILogger logger, Guid jobId, string? reason, int stepIndex);
}
