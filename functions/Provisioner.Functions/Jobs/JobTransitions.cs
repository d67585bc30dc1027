namespace Provisioner.Functions.Jobs;

/// <summary>
/// How a callback changes a job: a pure, monotone merge. Facts are only added, never
/// replaced, and a terminal job takes none, so the result does not depend on the order in
/// which callbacks arrive or on how often each arrives.
/// </summary>
public static class JobTransitions
{
    public const int MaxErrorLength = 2000;

    public static CallbackOutcome Apply(Job job, Callback callback, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(callback);

        if (callback.WorkflowRunId is { } runId)
        {
            if (job.WorkflowRunId is { } owner && owner != runId)
            {
                return new CallbackOutcome.ClaimRefused($"job {job.JobId} is claimed by workflow run {owner}; run {runId} must stop");
            }

            if (job.WorkflowRunId is null && job.IsTerminal && !job.HeardFromWorkflow)
            {
                // The backend gave up on this job (dispatch refused, poisoned, timed out) before
                // any run reported: a run starting now would build a VM that nobody tracks.
                return new CallbackOutcome.ClaimRefused($"job {job.JobId} has already ended ({job.Status.ToString().ToLowerInvariant()}) before any workflow run reported; run {runId} must not provision it");
            }
        }

        if (job.IsTerminal)
        {
            return new CallbackOutcome.Accepted(job, Changed: false);
        }

        var next = callback.Kind switch
        {
            CallbackKind.Heartbeat => Heartbeat(job, receivedAt),
            CallbackKind.Progress => Progress(job, callback, receivedAt),
            CallbackKind.Succeeded => Succeeded(job, callback, receivedAt),
            CallbackKind.Failed => Failed(job, callback, receivedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(callback), callback.Kind, "unknown callback kind"),
        };

        next = Claim(next, callback);
        var changed = next != job;
        return new CallbackOutcome.Accepted(changed ? next with { UpdatedAt = Later(job.UpdatedAt, receivedAt) } : job, changed);
    }

    /// <summary>Fails a job that is not yet terminal (dispatch failure, time-out); a terminal job is returned unchanged.</summary>
    public static Job Fail(Job job, string message, string? reportedStep, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.IsTerminal)
        {
            return job;
        }

        var stepIndex = StepNames.StepOfFailure(reportedStep) ?? ActiveStep(job);
        return job with
        {
            Failure = new JobFailure(at, Truncate(message), reportedStep, stepIndex, ByWorkflow: false),
            UpdatedAt = Later(job.UpdatedAt, at),
        };
    }

    /// <summary>The step that is active while the job is in flight: the one the furthest milestone opened.</summary>
    public static int ActiveStep(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Math.Min((int)job.Furthest, StepNames.RunningStep);
    }

    private static Job Heartbeat(Job job, DateTimeOffset at) =>
        job.LastHeartbeatAt is { } last && last >= at ? job : job with { LastHeartbeatAt = at };

    private static Job Progress(Job job, Callback callback, DateTimeOffset at)
    {
        var milestone = callback.Milestone ?? Milestone.Provisioning;
        var next = job.TimeOf(milestone) is null ? job.WithTime(milestone, at) : job;
        return next with
        {
            UsedSnapshot = next.UsedSnapshot ?? callback.UsedSnapshot,
            Mode = next.Mode ?? callback.Mode,
        };
    }

    private static Job Succeeded(Job job, Callback callback, DateTimeOffset at) => job with
    {
        RunningAt = at,
        Server = Merge(job.Server, callback.Server),
        UsedSnapshot = job.UsedSnapshot ?? callback.UsedSnapshot,
    };

    private static Job Failed(Job job, Callback callback, DateTimeOffset at)
    {
        var reported = !string.IsNullOrWhiteSpace(callback.FailedStep) ? callback.FailedStep : callback.Step;
        var stepIndex = StepNames.StepOfFailure(callback.FailedStep)
            ?? StepNames.StepOfFailure(callback.Step)
            ?? ActiveStep(job);
        var message = string.IsNullOrWhiteSpace(callback.Error)
            ? "The workflow reported a failure without a message; see the workflow run's log."
            : callback.Error;
        return job with
        {
            Failure = new JobFailure(at, Truncate(message), string.IsNullOrWhiteSpace(reported) ? null : reported, stepIndex, ByWorkflow: true),
            Server = Merge(job.Server, callback.Server),
        };
    }

    private static Job Claim(Job job, Callback callback) => job with
    {
        WorkflowRunId = job.WorkflowRunId ?? callback.WorkflowRunId,
        WorkflowRunUrl = job.WorkflowRunUrl ?? callback.WorkflowRunUrl,
    };

    private static ServerInfo? Merge(ServerInfo? known, ServerInfo? reported)
    {
        if (reported is null || reported.IsEmpty)
        {
            return known;
        }

        return known is null
            ? reported
            : new ServerInfo(known.Id ?? reported.Id, known.Ip ?? reported.Ip, known.TailscaleIp ?? reported.TailscaleIp);
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static string Truncate(string message) =>
        message.Length <= MaxErrorLength ? message : string.Concat(message.AsSpan(0, MaxErrorLength - 1), "…");
}
