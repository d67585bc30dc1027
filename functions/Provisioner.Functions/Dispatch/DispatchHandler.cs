using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.Dispatch;

/// <summary>
/// Handles one <c>provisioning-jobs</c> message: dispatches the job's workflow unless the job
/// has moved on (a redelivered message must not dispatch twice), then records the dispatch, or
/// fails the job when GitHub refused for good. Transient failures are thrown so the queue
/// delivers the message again; the last delivery lands in the poison queue.
/// </summary>
internal sealed partial class DispatchHandler(
    JobStore store,
    IWorkflowDispatcher dispatcher,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<DispatchHandler> logger,
    IOptions<KeepServerOptions> keep)
{
    public Task HandleAsync(string message, CancellationToken cancellationToken) =>
        HandleAsync(DispatchMessage.TryParse(message, out var jobId, out var traceparent) ? new DispatchMessage(jobId, traceparent) : null, cancellationToken);

    /// <summary>A message as the queue trigger binds it; one without a job id is dropped as unreadable.</summary>
    public async Task HandleAsync(DispatchMessage? message, CancellationToken cancellationToken)
    {
        if (message is not { JobId: var jobId, Traceparent: var traceparent } || jobId == Guid.Empty)
        {
            LogUnreadable(logger);
            return;
        }

        using var activity = ProvisionerTelemetry.Start("dispatch job", System.Diagnostics.ActivityKind.Consumer, traceparent, jobId);
        var job = await store.FindAsync(jobId, cancellationToken);
        if (job is null)
        {
            LogUnknownJob(logger, jobId);
            return;
        }

        if (job.Status != JobStatus.Queued || job.DispatchedAt is not null)
        {
            LogSkipped(logger, jobId, job.Status, job.DispatchedAt);
            return;
        }

        // A deprovision job names the server it removes; a re-run from the failed step, the kept server it reuses.
        var inputs = new WorkflowInputs(
            jobId, job.AgentId, job.Region, options.Value.CallbackUrl, ProvisionerTelemetry.CurrentTraceparent(), job.Kind,
            job.Kind == JobKind.Deprovision ? job.Server?.Id : job.ResumeServerId)
        {
            KeepFailedServerMinutes = keep.Value.KeepFailedServerMinutes,
            ResumeFrom = job.ResumeFrom,
        };
        DispatchOutcome outcome;
        try
        {
            outcome = await dispatcher.DispatchAsync(inputs, cancellationToken);
        }
        catch (Exception)
        {
            ProvisionerTelemetry.DispatchAttempt("error");
            throw;
        }

        ProvisionerTelemetry.DispatchAttempt(outcome is DispatchOutcome.Dispatched ? "dispatched" : "rejected");
        switch (outcome)
        {
            case DispatchOutcome.Dispatched dispatched:
                var now = time.GetUtcNow();
                await store.UpdateAsync(
                    jobId,
                    j => j.DispatchedAt is not null ? null : j with
                    {
                        DispatchedAt = now,
                        WorkflowRunId = j.WorkflowRunId ?? dispatched.RunId,
                        WorkflowRunUrl = j.WorkflowRunUrl ?? dispatched.RunUrl,
                        UpdatedAt = j.UpdatedAt > now ? j.UpdatedAt : now,
                    },
                    cancellationToken);
                break;
            case DispatchOutcome.Rejected rejected:
                await FailAsync(jobId, rejected.Message, cancellationToken);
                break;
        }
    }

    /// <summary>For the poison queue: the message failed every delivery.</summary>
    public Task HandlePoisonAsync(string message, CancellationToken cancellationToken) =>
        HandlePoisonAsync(DispatchMessage.TryParse(message, out var jobId) ? new DispatchMessage(jobId) : null, cancellationToken);

    /// <summary>For the poison queue, as the queue trigger binds the message.</summary>
    public async Task HandlePoisonAsync(DispatchMessage? message, CancellationToken cancellationToken)
    {
        if (message is not { JobId: var jobId } || jobId == Guid.Empty)
        {
            LogUnreadable(logger);
            return;
        }

        LogPoisoned(logger, jobId);
        await FailAsync(
            jobId,
            $"The workflow could not be dispatched: every attempt failed (GitHub kept answering with errors or could not be reached), so the message was moved to {StorageNames.DispatchPoisonQueue}. Check GitHub's status and the app's logs, then create the job again.",
            cancellationToken);
    }

    private Task<Job?> FailAsync(Guid jobId, string message, CancellationToken cancellationToken) =>
        store.UpdateAsync(jobId, j => JobTransitions.Fail(j, FailureReason.DispatchFailed, message, null, time.GetUtcNow()), cancellationToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "A provisioning-jobs message is not {{\"job_id\": \"<guid>\"}}: dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: not found, nothing to dispatch")]
    private static partial void LogUnknownJob(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: not dispatched again (status {Status}, dispatched at {DispatchedAt})")]
    private static partial void LogSkipped(ILogger logger, Guid jobId, JobStatus status, DateTimeOffset? dispatchedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: its dispatch message reached the poison queue; failing the job")]
    private static partial void LogPoisoned(ILogger logger, Guid jobId);
}
