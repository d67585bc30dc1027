using Microsoft.AspNetCore.Http;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Http;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Status;

/// <summary>Serves status documents: by job id, or for an agent's newest job.</summary>
internal sealed class StatusHandler(JobStore jobs, AgentStore agents, AgentHealthReader health, Timing.StepTimings timings, TimeProvider time)
{
    public async Task<IResult> ForJobAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(jobId, out var id))
        {
            return Problems.NotFound($"There is no job {Quote(jobId)}: job ids are the GUIDs that POST /api/jobs returns.");
        }

        var job = await jobs.FindAsync(id, cancellationToken);
        return job is null
            ? Problems.NotFound($"There is no job {id}.")
            : await DocumentAsync(job, cancellationToken);
    }

    public async Task<IResult> ForAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        if (!AgentIds.IsValid(agentId))
        {
            return Problems.BadRequest($"agent_id {Quote(agentId)} is not valid: {AgentIds.Rule}.");
        }

        var newest = await agents.FindNewestJobIdAsync(agentId, cancellationToken);
        var job = newest is { } id ? await jobs.FindAsync(id, cancellationToken) : null;
        return job is null
            ? Problems.NotFound($"Agent {agentId} has no provisioning job. Create one with POST /api/jobs.")
            : await DocumentAsync(job, cancellationToken);
    }

    /// <summary>
    /// A running job also gets its agent's health (docs/agent-health.md); a job in flight, what
    /// earlier runs of its region and install mode say (one more point read each); an ended one neither.
    /// </summary>
    private async Task<StatusDocumentResult> DocumentAsync(Job job, CancellationToken cancellationToken)
    {
        var agentHealth = await health.ForAsync(job, cancellationToken);
        if (job.IsTerminal)
        {
            return new StatusDocumentResult(job, health: agentHealth);
        }

        var window = await timings.ReadAsync(job.Region, Timing.InstallModes.Of(job), cancellationToken);
        return new StatusDocumentResult(job, health: agentHealth, estimate: Timing.Eta.Estimate(job, window, time.GetUtcNow()));
    }

    /// <summary>
    /// What a job event stream reads each second (docs/events.md): one point read of the job row,
    /// and its version. The document is built from it as <see cref="DocumentAsync"/> builds it, but
    /// the window of earlier runs is read once per stream (and again only if the run's install mode
    /// changes), and the agent's health only once the job is running, its last event. Null when
    /// there is no such job.
    /// </summary>
    public async Task<StatusSnapshot?> SnapshotAsync(Guid jobId, StatusSnapshot? previous, CancellationToken cancellationToken)
    {
        if (await jobs.FindVersionedAsync(jobId, cancellationToken) is not (var job, var version))
        {
            return null;
        }

        var agentHealth = await health.ForAsync(job, cancellationToken);
        if (job.IsTerminal)
        {
            return new StatusSnapshot(job, version, null, new StatusDocumentResult(job, health: agentHealth));
        }

        var mode = Timing.InstallModes.Of(job);
        var window = previous?.Window is { } known && known.Mode == mode
            ? known
            : new StatusSnapshot.ModeWindow(mode, await timings.ReadAsync(job.Region, mode, cancellationToken));
        return new StatusSnapshot(job, version, window, new StatusDocumentResult(job, health: agentHealth, estimate: Timing.Eta.Estimate(job, window.Window, time.GetUtcNow())));
    }

    private static string Quote(string value) => "\"" + (value.Length > 80 ? value[..80] + "…" : value) + "\"";
}
