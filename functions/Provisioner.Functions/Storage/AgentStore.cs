using Azure;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Which job each agent has (the <c>agents</c> table, one row per agent): the one that holds
/// it while in flight, and its newest. The claim is guarded by the agent row's ETag, so of two
/// concurrent creates for one agent exactly one wins.
/// </summary>
internal sealed class AgentStore(StorageClients storage, JobStore jobs)
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
        ClaimAsync(agentId, jobId, tearDown: false, cancellationToken);

    /// <summary>
    /// As <see cref="ClaimAsync(string, Guid, CancellationToken)"/> for a deprovision job: it takes
    /// the agent's in-flight claim but leaves the newest (provision) job where it is, so the
    /// agent's provisioning document keeps showing the job whose server is removed.
    /// </summary>
    public Task<AgentClaim> ClaimForTearDownAsync(string agentId, Guid jobId, CancellationToken cancellationToken) =>
        ClaimAsync(agentId, jobId, tearDown: true, cancellationToken);

    /// <summary>The agent's jobs: the one holding it, its newest, the tear down since; null for an agent never seen.</summary>
    public async Task<AgentJobs?> FindAsync(string agentId, CancellationToken cancellationToken)
    {
        var response = await storage.Agents.GetEntityIfExistsAsync<AgentEntity>(agentId, AgentEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? new AgentJobs(response.Value!.ActiveJobId, response.Value.NewestJobId, response.Value.TearDownJobId) : null;
    }

    private Task<AgentClaim> ClaimAsync(string agentId, Guid jobId, bool tearDown, CancellationToken cancellationToken) =>
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

            var claim = tearDown
                ? new AgentEntity { PartitionKey = agentId, ActiveJobId = jobId, NewestJobId = agent?.NewestJobId, TearDownJobId = jobId }
                : new AgentEntity { PartitionKey = agentId, ActiveJobId = jobId, NewestJobId = jobId };
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

                if (!tearDown && agent?.NewestJobId is { } replaced && replaced != jobId)
                {
                    await MarkSupersededAsync(replaced, jobId, cancellationToken);
                }

                return Round<AgentClaim>.Done(new AgentClaim.Claimed());
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                return Round<AgentClaim>.Conflict; // another create changed the agent row since it was read
            }
        });

    /// <summary>
    /// Tells the agent's previous newest job that it is no longer (its row's side property), so a
    /// status reader that remembers the agent's newest job learns it from the job row it reads
    /// anyway (Status/StatusReader). Best effort, after the claim: the claim stands either way,
    /// and a reader that missed the mark re-reads the agent row after a minute at most.
    /// </summary>
    private async Task MarkSupersededAsync(Guid replaced, Guid by, CancellationToken cancellationToken)
    {
        try
        {
            await jobs.MarkSupersededAsync(replaced, by, cancellationToken);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e, cancellationToken))
        {
        }
    }
}
