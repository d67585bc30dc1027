using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// What an accepted callback adds for agent health: a claim's answer carries the job's agent
/// key, and a job that is running is put into the index of running agents. Both are
/// idempotent, so a callback sent again (after a 5xx, or replayed) gets the same key and
/// repairs an index write that failed the first time.
/// </summary>
public sealed class ClaimFollowUp(AgentKeyRing keys, JobStore jobs, AgentStore agents, AgentHealthStore health)
{
    private static readonly IResult Received = TypedResults.Json(new Dictionary<string, bool> { ["received"] = true });

    /// <param name="callback">The accepted callback.</param>
    /// <param name="job">The job after it, or null when the callback was a duplicate (it is read again when needed).</param>
    public async Task<IResult> AcknowledgeAsync(Callback callback, Job? job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var claim = callback is { Kind: CallbackKind.Progress, Milestone: Milestone.Provisioning, WorkflowRunId: not null };
        if (!claim && callback.Kind != CallbackKind.Running)
        {
            return Received;
        }

        job ??= await jobs.FindAsync(callback.JobId, cancellationToken);
        if (job is null)
        {
            return Received;
        }

        if (callback.Kind == CallbackKind.Running && job is { Status: JobStatus.Running, RunningAt: { } runningAt }
            && await agents.FindNewestJobIdAsync(job.AgentId, cancellationToken) == job.JobId)
        {
            await health.EnrollAsync(job.AgentId, job.JobId, runningAt, cancellationToken);
        }

        // A deprovision job's run has no agent to give a key to.
        if (claim && job.Kind == JobKind.Provision && keys.Current is { } agentKeys && job.WorkflowRunId is { } runId && runId == callback.WorkflowRunId)
        {
            return TypedResults.Json(new ClaimAnswer(true, agentKeys.Issue(job.JobId, job.AgentId, runId)), Json.Options);
        }

        return Received;
    }

    private sealed record ClaimAnswer(bool Received, string AgentKey);
}
