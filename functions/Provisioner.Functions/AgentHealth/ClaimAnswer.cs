using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// The answer to an accepted callback: a claim's answer carries the job's agent key (the same
/// key every time, so a callback sent again after a 5xx, or replayed, gets it again); every
/// other callback gets <c>{"received": true}</c>.
/// </summary>
internal sealed class ClaimAnswer(AgentKeyRing keys)
{
    private static readonly IResult Received = TypedResults.Json(new Dictionary<string, bool> { ["received"] = true });

    /// <param name="callback">The accepted callback.</param>
    /// <param name="job">The job after it (as stored, for a callback seen before); null when there is none.</param>
    public IResult For(Callback callback, Job? job)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var claim = callback is { Kind: CallbackKind.Progress, Milestone: Milestone.Provisioning, WorkflowRunId: not null };

        // A deprovision job's run has no agent to give a key to.
        if (claim && job is { Kind: JobKind.Provision, WorkflowRunId: { } runId } && keys.Current is { } agentKeys && runId == callback.WorkflowRunId)
        {
            return TypedResults.Json(new Answer(true, agentKeys.Issue(job.JobId, job.AgentId, runId)), Json.Options);
        }

        return Received;
    }

    private sealed record Answer(bool Received, string AgentKey);
}
