using Microsoft.AspNetCore.Http;
using Provisioner.Functions.CreateJob;
using Provisioner.Functions.Http;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Status;

/// <summary>Serves status documents: by job id, or for an agent's newest job.</summary>
public sealed class StatusHandler(JobStore store)
{
    public async Task<IResult> ForJobAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(jobId, out var id))
        {
            return Problems.NotFound($"There is no job {Quote(jobId)}: job ids are the GUIDs that POST /api/jobs returns.");
        }

        var stored = await store.FindAsync(id, cancellationToken);
        return stored is null
            ? Problems.NotFound($"There is no job {id}.")
            : new StatusDocumentResult(StatusDocument.From(stored.Job));
    }

    public async Task<IResult> ForAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        if (!CreateJobRequest.IsValidAgentId(agentId))
        {
            return Problems.BadRequest($"agent_id {Quote(agentId)} is not valid: use 1 to 64 characters of A-Z a-z 0-9 _ -.");
        }

        var newest = await store.FindNewestJobIdAsync(agentId, cancellationToken);
        var stored = newest is { } id ? await store.FindAsync(id, cancellationToken) : null;
        return stored is null
            ? Problems.NotFound($"Agent {agentId} has no provisioning job. Create one with POST /api/jobs.")
            : new StatusDocumentResult(StatusDocument.From(stored.Job));
    }

    private static string Quote(string value) => "\"" + (value.Length > 80 ? value[..80] + "…" : value) + "\"";
}
