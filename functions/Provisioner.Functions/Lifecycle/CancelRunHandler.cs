using Microsoft.Extensions.Logging;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifecycle;

/// <summary>
/// Handles one <c>cancel-runs</c> message: asks the workflow run to stop, unless the job has
/// ended or the request got through before (a repeated cancel, a redelivered message), then
/// records that it got through. A job whose run is not known yet needs no call: its run's claim
/// is refused (409), so the run stops before it creates anything. The sweeper sends a cancel whose
/// message never got through the same way (<see cref="CancelResend"/>).
/// </summary>
internal sealed partial class CancelRunHandler(JobStore jobs, IWorkflowRunCanceller canceller, TimeProvider time, ILogger<CancelRunHandler> logger)
{
    public Task HandleAsync(string message, CancellationToken cancellationToken) =>
        HandleAsync(CancelRunMessage.TryParse(message, out var jobId) ? new CancelRunMessage(jobId) : null, cancellationToken);

    /// <summary>A message as the queue trigger binds it; one without a job id is dropped as unreadable.</summary>
    public async Task HandleAsync(CancelRunMessage? message, CancellationToken cancellationToken)
    {
        if (message is not { JobId: var jobId } || jobId == Guid.Empty)
        {
            LogUnreadable(logger);
            return;
        }

        await SendAsync(jobId, cancellationToken);
    }

    /// <summary>Asks the job's run to stop if its cancel has not got through yet; returns the job as stored (null when there is none).</summary>
    public async Task<Job?> SendAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(jobId, cancellationToken);
        if (job is not { Status: JobStatus.Cancelling, CancelSentAt: null, WorkflowRunId: { } runId })
        {
            return job;
        }

        var stopped = await canceller.CancelAsync(runId, cancellationToken);
        LogSent(logger, jobId, runId, stopped);
        var now = time.GetUtcNow();
        return await jobs.UpdateAsync(jobId, j => j.CancelSentAt is null ? j with { CancelSentAt = now } : null, cancellationToken);
    }

    /// <summary>For the poison queue (<c>cancel-runs-poison</c>): the message failed every delivery.</summary>
    public Task HandlePoisonAsync(string message, CancellationToken cancellationToken) =>
        HandlePoisonAsync(CancelRunMessage.TryParse(message, out var jobId) ? new CancelRunMessage(jobId) : null, cancellationToken);

    /// <summary>
    /// For the poison queue, as the queue trigger binds the message: logged, and recorded on a job
    /// whose cancel is still to send (<see cref="Job.CancelSendFailedAt"/>), so nothing is dropped
    /// silently; the sweeper sends that cancel again (<see cref="CancelResend"/>) until GitHub takes
    /// it or the cancel's deadline ends the job.
    /// </summary>
    public async Task HandlePoisonAsync(CancelRunMessage? message, CancellationToken cancellationToken)
    {
        if (message is not { JobId: var jobId } || jobId == Guid.Empty)
        {
            LogUnreadablePoison(logger);
            return;
        }

        var now = time.GetUtcNow();
        var job = await jobs.UpdateAsync(
            jobId,
            j => j is { Status: JobStatus.Cancelling, CancelSentAt: null } ? j with { CancelSendFailedAt = now } : null,
            cancellationToken);
        if (job is { CancelSendFailedAt: { } failedAt } && failedAt == now)
        {
            LogPoisoned(logger, jobId);
        }
        else
        {
            LogPoisonedNothingToSend(logger, jobId, job?.Status);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A cancel-runs-poison message is not {{\"job_id\": \"<guid>\"}}: dropped")]
    private static partial void LogUnreadablePoison(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: its cancel-runs message failed every delivery and reached the poison queue; recorded on the job, the time-out sweep sends the cancel again")]
    private static partial void LogPoisoned(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its cancel-runs message reached the poison queue, but there is no cancel left to send (status {Status})")]
    private static partial void LogPoisonedNothingToSend(ILogger logger, Guid jobId, JobStatus? status);

    [LoggerMessage(Level = LogLevel.Error, Message = "A cancel-runs message is not {{\"job_id\": \"<guid>\"}}: dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: asked workflow run {RunId} to cancel (accepted: {Stopped})")]
    private static partial void LogSent(ILogger logger, Guid jobId, string runId, bool stopped);
}
