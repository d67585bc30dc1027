using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Status;

/// <summary>The status document (docs/api.md, "The status document"; docs/openapi.yaml), serialised in snake_case.</summary>
public sealed record StatusDocument(
    Guid JobId,
    string AgentId,
    string Region,
    string Status,
    string? CurrentStep,
    IReadOnlyList<StepView> Steps,
    StatusDocument.ServerView? Server,
    StatusDocument.ErrorView? Error,
    string? WorkflowRunId,
    string? WorkflowRunUrl,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastHeartbeatAt,
    StatusDocument.CreatorView? CreatedBy,
    string Kind,
    int Attempt,
    Guid? PreviousJobId,
    Guid? NextJobId,
    HealthView? Health = null,
    string? WaitingFor = null,
    DateTimeOffset? EstimatedCompletionAt = null,
    string? ResumeFrom = null,
    string? Reason = null,
    DateTimeOffset? ExpiresAt = null,
    JobSummary.CostView? Cost = null)
{
    /// <param name="KeptUntil">Until when a failed run's server is kept for a re-run from the failed step; null when it was not kept.</param>
    /// <param name="RemovedAt">When a deprovision job removed this server (a provision job's document); null otherwise.</param>
    /// <param name="RemovedByJobId">That deprovision job.</param>
    public sealed record ServerView(string? Id, string? Ip, string? TailscaleIp, DateTimeOffset? KeptUntil = null, DateTimeOffset? RemovedAt = null, Guid? RemovedByJobId = null);

    /// <summary>Who created the job (the token's object id and name); null when it was created without sign-in.</summary>
    public sealed record CreatorView(string Id, string? Name);

    /// <param name="FailedStep">The step the workflow named (<c>failed_step</c>, else <c>step</c>), or the projected step id when it named none.</param>
    /// <param name="StepId">The projected step that shows the error.</param>
    /// <param name="Reason">Why, as a code (<see cref="FailureReasons"/>); null for a backend failure stored before reasons were kept.</param>
    /// <param name="LogUrl">The failing GitHub Actions job's log, when GitHub told the backend (docs/reconcile.md); otherwise null.</param>
    public sealed record ErrorView(string Message, string FailedStep, string StepId, string? Reason, string? LogUrl);

    /// <param name="job">The job.</param>
    /// <param name="health">The agent's health while the job is running (docs/agent-health.md); null otherwise.</param>
    /// <param name="estimate">What earlier runs say about this one (docs/step-timing.md); none: no expected durations, no estimate.</param>
    /// <param name="now">When the cost so far is counted to (docs/cost.md); null: the job's last change.</param>
    internal static StatusDocument From(Job job, HealthView? health = null, Timing.JobEstimate? estimate = null, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        var eta = estimate ?? Timing.JobEstimate.None;
        var failure = job.Failure;
        var failedStepId = failure is null ? null : DeprovisionSteps.StepIdOf(job, failure.StepIndex);
        if (job.Kind == JobKind.Deprovision)
        {
            eta = Timing.JobEstimate.None; // earlier provision runs say nothing about a removal
        }

        return new StatusDocument(
            job.JobId,
            job.AgentId,
            job.Region,
            job.Status.ToString().ToLowerInvariant(),
            StepProjection.CurrentStep(job),
            StepProjection.Project(job).Select((step, i) => step with { ExpectedSeconds = eta.ExpectedSeconds[i], Slow = eta.Slow[i] }).ToList(),
            job.Server is { IsEmpty: false } s ? new ServerView(s.Id, s.Ip, s.TailscaleIp, job.ServerKeptUntil, job.ServerRemovedAt, job.ServerRemovedByJobId) : null,
            failure is null ? LifecycleViews.CancelError(job) : new ErrorView(failure.Message, failure.ReportedStep ?? failedStepId!, failedStepId!, failure.Reason?.Code(), failure.LogUrl),
            job.WorkflowRunId,
            job.WorkflowRunUrl,
            job.CreatedAt,
            job.UpdatedAt,
            job.LastHeartbeatAt,
            job.CreatedBy is { } c ? new CreatorView(c.Id, c.Name) : null,
            JobSummary.KindOf(job),
            job.Attempt,
            job.PreviousJobId,
            job.NextJobId,
            health,
            // Only while no run has reported: once one has, it has a runner.
            job.IsTerminal || job.RunReported ? null : job.WaitingFor,
            eta.CompletionAt,
            job.ResumeFrom,
            job.Kind == JobKind.Deprovision ? job.DeprovisionReason ?? Deprovision.Requested : null,
            job.ServerRemovedAt is null ? Lifetimes.EndOf(job) : null,
            Costs.Of(job, now ?? job.UpdatedAt));
    }
}
