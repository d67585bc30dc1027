using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.TimeOuts;

/// <summary>
/// Fails jobs that missed a deadline (<see cref="Deadlines"/>), each with its reason. It reads
/// only the in-flight index (one partition) and one point read per entry, so its cost follows
/// the jobs in flight, not every job ever created. A job's last sign of life is its
/// <c>updated_at</c>: creation, dispatch, and every callback or heartbeat that changed it.
/// </summary>
public sealed partial class TimeoutSweeper(JobStore jobs, InFlightIndex inFlight, IOptions<TimeoutOptions> options, TimeProvider time, ILogger<TimeoutSweeper> logger)
{
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        int watched = 0, timedOut = 0, released = 0;
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

            if (job.Status == JobStatus.Cancelling)
            {
                // A cancel has its own deadline; the others would call it a failure.
                var limit = TimeSpan.FromMinutes(options.Value.CancelConfirmMinutes);
                job = await jobs.UpdateAsync(jobId, j => Lifecycle.Cancellation.EndUnconfirmed(j, now, limit), cancellationToken) ?? job;
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

            if (job.IsTerminal)
            {
                await inFlight.UnwatchAsync(jobId, cancellationToken);
                released++;
            }
        }

        return new SweepResult(watched, timedOut, released);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: missed a deadline ({Reason}), failed on step {StepIndex}")]
    private static partial void LogTimedOut(ILogger logger, Guid jobId, string? reason, int stepIndex);
}
