using Microsoft.Extensions.Logging;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions.Lifecycle;

/// <summary>
/// A part of the time-out sweep: a cancel whose message to GitHub never got through is sent by
/// the sweeper. A cancel changes the job and then enqueues its message, in two steps; the job
/// row records the pending send (<c>cancelling</c>, no <see cref="Job.CancelSentAt"/>), so a
/// crash between the two, a message that keeps failing or one the poison queue took, is made
/// good by the next sweep after <see cref="Cancellation.SendGrace"/> (docs/lifecycle.md, "Cancel").
/// It runs before the cancel's own deadline is checked, so a run is asked to stop once more before
/// the job ends unconfirmed.
/// </summary>
internal sealed partial class CancelResend(CancelRunHandler handler, ILogger<CancelResend> logger) : IInFlightWatcher
{
    public async Task<Job> BeforeDeadlinesAsync(Job job, DateTimeOffset now, DeadlineLimits limits, SweepTally tally, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!Cancellation.SendOverdue(job, now))
        {
            return job;
        }

        LogResend(logger, job.JobId);
        try
        {
            return await handler.SendAsync(job.JobId, cancellationToken) ?? job;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // GitHub down: the job's own deadline still counts this sweep; the next sweep tries again.
            LogFailed(logger, job.JobId, ex);
            return job;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its cancel has not got through to GitHub; the sweeper sends it")]
    private static partial void LogResend(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: the sweeper could not send its cancel to GitHub; the next sweep tries again")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Exception exception);
}
