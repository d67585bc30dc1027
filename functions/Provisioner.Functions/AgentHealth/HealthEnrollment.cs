using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// Observes jobs: a <c>running</c> callback for the agent's newest job puts the agent into the
/// index of running agents whose health is watched. Idempotent, so the callback sent again
/// repairs an index write that failed the first time.
/// </summary>
internal sealed class HealthEnrollment(AgentStore agents, AgentHealthStore health) : IJobObserver
{
    public async Task OnChangedAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Callback is { Kind: CallbackKind.Running } && change.After is { Status: JobStatus.Running, RunningAt: { } runningAt } job
            && await agents.FindNewestJobIdAsync(job.AgentId, cancellationToken) == job.JobId)
        {
            await health.EnrollAsync(job.AgentId, job.JobId, runningAt, cancellationToken);
        }
    }
}
