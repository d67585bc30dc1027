using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Status;

/// <summary>Serves status documents: by job id, or for an agent's newest job (read by <see cref="StatusReader"/>).</summary>
internal sealed class StatusHandler(StatusReader reader)
{
    public async Task<IResult> ForJobAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(jobId, out var id))
        {
            return Problems.NotFound($"There is no job {Quote(jobId)}: job ids are the GUIDs that POST /api/jobs returns.");
        }

        return await reader.ForJobAsync(id, cancellationToken) is { } document
            ? document
            : Problems.NotFound($"There is no job {id}.");
    }

    public async Task<IResult> ForAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        if (!AgentIds.IsValid(agentId))
        {
            return Problems.BadRequest($"agent_id {Quote(agentId)} is not valid: {AgentIds.Rule}.");
        }

        return await reader.ForAgentAsync(agentId, cancellationToken) is { } document
            ? document
            : Problems.NotFound($"Agent {agentId} has no provisioning job. Create one with POST /api/jobs.");
    }

    private static string Quote(string value) => "\"" + (value.Length > 80 ? value[..80] + "…" : value) + "\"";
}
