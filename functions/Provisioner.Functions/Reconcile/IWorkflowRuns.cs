namespace Provisioner.Functions.Reconcile;

/// <summary>Reads workflow runs from GitHub. Rate limits are thrown as <see cref="GitHubRateLimitedException"/>; other failures that outlast the retries are thrown too.</summary>
internal interface IWorkflowRuns
{
    /// <summary>The run with <paramref name="runId"/> (<c>{id}</c> or <c>{id}.{attempt}</c>), conditionally on what was stored for it.</summary>
    Task<RunLookup> GetAsync(string runId, ReconcileState state, CancellationToken cancellationToken);

    /// <summary>The <c>workflow_dispatch</c> run whose name carries <paramref name="jobId"/>, created since <paramref name="since"/>.</summary>
    Task<RunLookup> FindAsync(Guid jobId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>As above, among the runs of the workflow file <paramref name="workflow"/> (a deprovision job's is not the provisioning one).</summary>
    Task<RunLookup> FindAsync(Guid jobId, DateTimeOffset since, string workflow, CancellationToken cancellationToken) =>
        FindAsync(jobId, since, cancellationToken);

    /// <summary>The first step that failed (or never finished) in the run's jobs, the provisioning job first.</summary>
    Task<FailedWorkflowStep?> FailedStepAsync(string runId, CancellationToken cancellationToken);
}
