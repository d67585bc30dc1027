namespace Provisioner.Functions.Jobs;

/// <summary>Why and where a job failed.</summary>
/// <param name="At">When the failure was recorded.</param>
/// <param name="Message">What a person should read.</param>
/// <param name="ReportedStep">The <c>failed_step</c> (or <c>step</c>) the reporter named, as sent; null when none.</param>
/// <param name="StepIndex">The projection step (0 = Queued … 4 = Running) that shows the error.</param>
/// <param name="ByWorkflow">True when the workflow reported it; false when the backend failed the job (dispatch, time-out).</param>
/// <param name="StepNamed">
/// True when the reporter named a step we know; false when <paramref name="StepIndex"/> is the
/// furthest step reached, which a milestone that arrives after the failure moves forward.
/// </param>
/// <param name="Reason">
/// Why, as a code (<see cref="FailureReasons"/>): <see cref="FailureReason.Workflow"/> when the
/// workflow reported it. Null only for a failure the backend recorded before reasons were kept.
/// </param>
/// <param name="LogUrl">The log of the GitHub Actions job that failed, when the backend learnt it from GitHub (reconciliation).</param>
internal sealed record JobFailure(DateTimeOffset At, string Message, string? ReportedStep, int StepIndex, bool ByWorkflow, bool StepNamed, FailureReason? Reason, string? LogUrl = null);
