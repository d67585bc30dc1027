using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.TimeOuts;

/// <summary>
/// Fails jobs that went silent. It reads only the in-flight index (one partition) and one
/// point read per entry, so its cost follows the jobs in flight, not every job ever created.
/// A job's last sign of life is its <c>updated_at</c>: creation, dispatch, and every callback
/// or heartbeat that changed it.
/// </summary>
public sealed partial class TimeoutSweeper(JobStore jobs, InFlightIndex inFlight, IOptions<TimeoutOptions> options, TimeProvider time, ILogger<TimeoutSweeper> logger)
{
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var silence = options.Value.Silence;
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

            if (!job.IsTerminal && now - job.UpdatedAt > silence)
            {
                job = await jobs.UpdateAsync(jobId, j => TimeOut(j, now, silence), cancellationToken) ?? job;
                if (job.Failure is { } failure && failure.At == now)
                {
                    timedOut++;
                    LogTimedOut(logger, jobId, failure.StepIndex);
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

    /// <summary>Fails the job on its active step, unless it moved (or ended) since it was read.</summary>
    private static Job? TimeOut(Job job, DateTimeOffset now, TimeSpan silence)
    {
        if (job.IsTerminal || now - job.UpdatedAt <= silence)
        {
            return null;
        }

        var minutes = silence.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture);
        var what = job.Status == JobStatus.Queued
            ? job.DispatchedAt is null ? "waiting to be dispatched" : "waiting for the workflow run to start"
            : "provisioning";
        var message = $"Timed out: no callback or heartbeat from the workflow for {minutes} minutes while {what} (last sign of life at {job.UpdatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC). Check the workflow run; create the job again to retry.";
        return JobTransitions.Fail(job, message, null, now);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: timed out, failed on step {StepIndex}")]
    private static partial void LogTimedOut(ILogger logger, Guid jobId, int stepIndex);
}
