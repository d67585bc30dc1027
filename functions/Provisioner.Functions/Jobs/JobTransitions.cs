namespace Provisioner.Functions.Jobs;

/// <summary>
/// How a callback changes a job: a pure merge of facts. The rule is written down in
/// docs/callbacks.md, "How callbacks merge": the status only moves forward and a job that is
/// running or failed stays so, yet every callback still fills in the facts the job lacks (run
/// id and URL, server fields, milestone times, each the earliest seen). So one run's callbacks
/// give the same job whatever order they are applied in and however often each arrives.
/// </summary>
internal static class JobTransitions
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

            if (job.IsTerminal && !job.RunReported)
            {
                // The backend gave up on this job (dispatch refused, poisoned, timed out) before
                // any run reported: a run starting now would build a VM that nobody tracks. That
                // holds for the very run the dispatch call named, which may start long after.
                return new CallbackOutcome.ClaimRefused($"job {job.JobId} has already ended ({job.Status.ToString().ToLowerInvariant()}) before any workflow run reported; run {runId} must not provision it");
            }
        }

        if (Cancellation.RefusesClaim(job, callback) is { } refusal)
        {
            return new CallbackOutcome.ClaimRefused(refusal);
        }

        if (job.IsTerminal && !job.RunReported)
        {
            // Ended by the backend before any run reported: what a run says now is not this job's story.
            return new CallbackOutcome.Accepted(job, Changed: false);
        }

        var next = callback.Kind switch
        {
            CallbackKind.Heartbeat => Heartbeat(job, receivedAt),
            CallbackKind.Progress => Progress(job, callback, receivedAt),
            CallbackKind.Running => Ran(job, callback, receivedAt),
            CallbackKind.Failed => Failed(job, callback, receivedAt, FailureReason.Workflow),
            CallbackKind.Cancelled when Cancellation.IsTimeOut(job) => Failed(job, callback, receivedAt, FailureReason.TimedOut),
            CallbackKind.Cancelled => Cancellation.Confirm(job, callback, receivedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(callback), callback.Kind, "unknown callback kind"),
        };

        // A cancelled job stays cancelled: what comes after only tells it about its server.
        next = job.CancelledAt is null ? next : next with { Failure = job.Failure, RunningAt = job.RunningAt };

        next = SettleFailedStep(Claim(next, callback));
        var changed = next != job;
        return new CallbackOutcome.Accepted(changed ? next with { UpdatedAt = Later(job.UpdatedAt, receivedAt) } : job, changed);
    }

    /// <summary>Fails a job that is not yet terminal (dispatch failure, a deadline passed) for <paramref name="reason"/>; a terminal job is returned unchanged.</summary>
    public static Job Fail(Job job, FailureReason reason, string message, string? reportedStep, DateTimeOffset at) =>
        Fail(job, reason, message, reportedStep, at, stepIndex: null, logUrl: null);

    /// <summary>
    /// As above, on <paramref name="stepIndex"/> when the reported step names none we know (GitHub
    /// said which step failed: docs/reconcile.md), with the failing job's log when known.
    /// </summary>
    public static Job Fail(Job job, FailureReason reason, string message, string? reportedStep, DateTimeOffset at, int? stepIndex, string? logUrl)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (reason == FailureReason.Workflow)
        {
            throw new ArgumentException("a failure the workflow reported arrives as a callback (Apply), not through Fail", nameof(reason));
        }

        if (job.IsTerminal)
        {
            return job;
        }

        var named = StepNames.StepOfFailure(reportedStep) ?? stepIndex;
        return job with
        {
            Failure = new JobFailure(at, Truncate(message), reportedStep, named ?? ActiveStep(job), ByWorkflow: false, StepNamed: named is not null, reason, logUrl),
            UpdatedAt = Later(job.UpdatedAt, at),
        };
    }

    /// <summary>The step that is active while the job is in flight: the one the furthest milestone opened.</summary>
    public static int ActiveStep(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Math.Min((int)job.Furthest, StepNames.RunningStep);
    }

    /// <summary>Liveness while in flight; a heartbeat after the end says nothing about the run.</summary>
    private static Job Heartbeat(Job job, DateTimeOffset at) =>
        job.IsTerminal || (job.LastHeartbeatAt is { } last && last >= at) ? job : job with { LastHeartbeatAt = at };

    private static Job Progress(Job job, Callback callback, DateTimeOffset at)
    {
        var milestone = callback.Milestone ?? Milestone.Provisioning;
        var next = job.WithTime(milestone, Earliest(job.TimeOf(milestone), at));
        return next with
        {
            UsedSnapshot = next.UsedSnapshot ?? callback.UsedSnapshot,
            Mode = next.Mode ?? callback.Mode,
            ServerType = next.ServerType ?? callback.ServerType,
            Location = next.Location ?? callback.Location,
            Price = next.Price ?? callback.Price,
        };
    }

    private static Job Ran(Job job, Callback callback, DateTimeOffset at)
    {
        var next = job with
        {
            Server = Merge(job.Server, callback.Server),
            UsedSnapshot = job.UsedSnapshot ?? callback.UsedSnapshot,
        };

        // A failed job stays failed: the success only tells it about its server.
        return job.Failure is null ? next with { RunningAt = Earliest(job.RunningAt, at) } : next;
    }

    /// <summary>
    /// A <c>failed</c> callback (<see cref="FailureReason.Workflow"/>), or a <c>cancelled</c> one for
    /// a job nobody asked to cancel (<see cref="FailureReason.TimedOut"/>: GitHub concludes a job
    /// that reached its <c>timeout-minutes</c> as cancelled; docs/workflow.md, "Time limits").
    /// </summary>
    private static Job Failed(Job job, Callback callback, DateTimeOffset at, FailureReason reason)
    {
        var next = job with { Server = Merge(job.Server, callback.Server) };
        if (job.RunningAt is not null && job.Failure is null)
        {
            // A running job stays running: the failure only tells it about its server.
            return next;
        }

        var reported = !string.IsNullOrWhiteSpace(callback.FailedStep) ? callback.FailedStep : callback.Step;
        var named = StepNames.StepOfFailure(callback.FailedStep) ?? StepNames.StepOfFailure(callback.Step);
        var message = !string.IsNullOrWhiteSpace(callback.Error) ? callback.Error
            : reason == FailureReason.TimedOut ? "The workflow run stopped (it reached its time limit) and reported no message; see the workflow run's log."
            : "The workflow reported a failure without a message; see the workflow run's log.";
        var failure = new JobFailure(at, Truncate(message), string.IsNullOrWhiteSpace(reported) ? null : reported, named ?? ActiveStep(job), ByWorkflow: true, StepNamed: named is not null, reason);

        // The kept server (Resume/KeptServer): only with the failure it belongs to, and only for a server the callback named.
        var kept = next with { ServerKeptUntil = job.ServerKeptUntil ?? (callback.Server?.Id is null ? null : callback.ServerKeptUntil) };
        return job.Failure switch
        {
            null => kept with { Failure = failure },

            // The same failure again (a retry, a replay): it happened when it was first received.
            { } known when SameFailure(known, failure) => kept with { Failure = known with { At = Earliest(known.At, at) } },

            // Another failure after the first: the first one stands.
            _ => next,
        };
    }

    private static bool SameFailure(JobFailure known, JobFailure reported) =>
        known.Message == reported.Message
        && known.ReportedStep == reported.ReportedStep
        && known.ByWorkflow == reported.ByWorkflow
        && known.StepNamed == reported.StepNamed
        && (!known.StepNamed || known.StepIndex == reported.StepIndex);

    /// <summary>A failure that named no step sits on the furthest step reached, which a milestone that arrives after it moves forward.</summary>
    private static Job SettleFailedStep(Job job) =>
        job.Failure is { StepNamed: false } failure && failure.StepIndex != ActiveStep(job)
            ? job with { Failure = failure with { StepIndex = ActiveStep(job) } }
            : job;

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

    private static DateTimeOffset Earliest(DateTimeOffset? known, DateTimeOffset at) => known is { } k && k <= at ? k : at;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static string Truncate(string message) =>
        message.Length <= MaxErrorLength ? message : string.Concat(message.AsSpan(0, MaxErrorLength - 1), "…");
}
