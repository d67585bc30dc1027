using Azure;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Which job each agent has (the <c>agents</c> table, one row per agent): the one that holds
/// it while in flight, and its newest. The claim is guarded by the agent row's ETag, so of two
/// concurrent creates for one agent exactly one wins.
/// </summary>
public sealed class AgentStore(StorageClients storage, JobStore jobs)
{
    public async Task<Guid?> FindNewestJobIdAsync(string agentId, CancellationToken cancellationToken)
    {
        var response = await storage.Agents.GetEntityIfExistsAsync<AgentEntity>(agentId, AgentEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value!.NewestJobId : null;
    }

    /// <summary>
    /// Makes <paramref name="jobId"/> the agent's job, unless another job of the agent is still
    /// in flight. The job row must exist before its claim (see CreateJobHandler). The claim is
    /// released lazily: a later claim finds the held job ended and takes the agent over.
    /// </summary>
    public Task<AgentClaim> ClaimAsync(string agentId, Guid jobId, CancellationToken cancellationToken) =>
        ConflictRetry.RunAsync($"claim agent {agentId}", async () =>
        {
            var current = await storage.Agents.GetEntityIfExistsAsync<AgentEntity>(agentId, AgentEntity.Row, cancellationToken: cancellationToken);
            var agent = current.HasValue ? current.Value : null;
            if (agent?.ActiveJobId is { } active)
            {
                if (active == jobId)
                {
                    return Round<AgentClaim>.Done(new AgentClaim.Claimed());
                }

                if (await jobs.FindAsync(active, cancellationToken) is { IsTerminal: false })
                {
                    return Round<AgentClaim>.Done(new AgentClaim.Busy(active));
                }
            }

            var claim = new AgentEntity { PartitionKey = agentId, ActiveJobId = jobId, NewestJobId = jobId };
            try
            {
                if (agent is null)
                {
                    await storage.Agents.AddEntityAsync(claim, cancellationToken);
                }
                else
                {
                    await storage.Agents.UpdateEntityAsync(claim, agent.ETag, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
                }

                return Round<AgentClaim>.Done(new AgentClaim.Claimed());
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                return Round<AgentClaim>.Conflict; // another create changed the agent row since it was read
            }
        });
}
