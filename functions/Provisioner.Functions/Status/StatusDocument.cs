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
    string Kind,
    int Attempt,
    Guid? PreviousJobId,
    Guid? NextJobId)
{
    public sealed record ServerView(string? Id, string? Ip, string? TailscaleIp);

    /// <param name="FailedStep">The step the workflow named (<c>failed_step</c>, else <c>step</c>), or the projected step id when it named none.</param>
    /// <param name="StepId">The projected step that shows the error.</param>
    /// <param name="Reason">Why, as a code (<see cref="FailureReasons"/>); null for a backend failure stored before reasons were kept.</param>
    public sealed record ErrorView(string Message, string FailedStep, string StepId, string? Reason);

    public static StatusDocument From(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var failure = job.Failure;
        var failedStepId = failure is null ? null : StepNames.Steps[failure.StepIndex].Id;
        return new StatusDocument(
            job.JobId,
            job.AgentId,
            job.Region,
            job.Status.ToString().ToLowerInvariant(),
            StepProjection.CurrentStep(job),
            StepProjection.Project(job),
            job.Server is { IsEmpty: false } s ? new ServerView(s.Id, s.Ip, s.TailscaleIp) : null,
            failure is null ? Lifecycle.LifecycleViews.CancelError(job) : new ErrorView(failure.Message, failure.ReportedStep ?? failedStepId!, failedStepId!, failure.Reason?.Code()),
            job.WorkflowRunId,
            job.WorkflowRunUrl,
            job.CreatedAt,
            job.UpdatedAt,
            job.LastHeartbeatAt,
            Lifecycle.JobSummary.ProvisionKind,
            job.Attempt,
            job.PreviousJobId,
            job.NextJobId);
    }
}
