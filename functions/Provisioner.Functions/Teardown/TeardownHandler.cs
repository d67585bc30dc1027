using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Teardown;

/// <summary>
/// <c>DELETE /api/agents/{agent_id}/server</c>: starts a deprovision job for the server of the
/// agent's newest provision job. It is made as a create makes a job (watched, stored, holding
/// the agent, queued), so the one-job-per-agent rule covers it: of two racing DELETEs, one
/// wins the agent and the other answers <c>409</c> naming the winner's job; a create while it
/// runs is refused, a create after it ends works.
/// </summary>
internal sealed partial class TeardownHandler(
    JobStore jobs,
    AgentStore agents,
    JobIntake intake,
    JobChanges changes,
    TimeProvider time,
    ILogger<TeardownHandler> logger)
{
    public async Task<IResult> HandleAsync(HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AgentIds.IsValid(agentId))
        {
            return Problems.BadRequest($"agent_id \"{(agentId.Length > 80 ? agentId[..80] + "…" : agentId)}\" is not valid: {AgentIds.Rule}.");
        }

        var agent = await agents.FindAsync(agentId, cancellationToken);
        var target = agent?.NewestJobId is { } newest ? await jobs.FindAsync(newest, cancellationToken) : null;
        if (agent is null || target is null)
        {
            return Problems.NotFound($"Agent {agentId} has no server: it was never provisioned. Create a job with POST /api/jobs.");
        }

        if (agent.ActiveJobId is { } activeId && await jobs.FindAsync(activeId, cancellationToken) is { IsTerminal: false } active)
        {
            return Busy(agentId, active);
        }

        // A tear down whose end was not marked on the provision job yet (a crash between its callback and
        // the mark): published again, its follow-up (ServerRemoval) marks it, and the job is read as marked.
        if (target.ServerRemovedAt is null && agent.TearDownJobId is { } tearDown
            && await jobs.FindAsync(tearDown, cancellationToken) is { Kind: JobKind.Deprovision, Status: JobStatus.Running, RunningAt: not null, RemovesServerOfJobId: { } removed } previous)
        {
            await changes.PublishAsync(JobChange.SeenAgain(previous, JobChangeCause.TearDown), cancellationToken);
            target = await jobs.FindAsync(removed, cancellationToken) ?? target;
        }

        if (Deprovision.Refusal(target) is { } refusal)
        {
            return Problems.NotFound(refusal);
        }

        var job = Deprovision.For(target, Guid.NewGuid(), time.GetUtcNow()) with { CreatedBy = Caller.Of(request.HttpContext.User) };
        await intake.WatchAsync(job.JobId, job.CreatedAt, cancellationToken);
        await jobs.TryAddAsync(job, cancellationToken);
        if (await agents.ClaimForTearDownAsync(agentId, job.JobId, cancellationToken) is AgentClaim.Busy busy)
        {
            await jobs.DeleteUnclaimedAsync(job.JobId, cancellationToken);
            return await jobs.FindAsync(busy.ActiveJobId, cancellationToken) is { } winner
                ? Busy(agentId, winner)
                : Problems.Conflict($"Agent {agentId} already has job {busy.ActiveJobId} in flight; follow it at /api/jobs/{busy.ActiveJobId}.", new Dictionary<string, object?> { ["job_id"] = busy.ActiveJobId });
        }

        try
        {
            await intake.EnqueueAsync(job.JobId, cancellationToken);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e, cancellationToken))
        {
            // As a create does: a job holding its agent but not queued would block the agent.
            await jobs.UpdateAsync(job.JobId, j => JobTransitions.Fail(j, FailureReason.DispatchFailed, "The deprovision job could not be queued for dispatch because storage was unavailable. Send DELETE /api/agents/{agent_id}/server again.", null, time.GetUtcNow()), CancellationToken.None);
            throw;
        }

        LogStarted(logger, job.JobId, agentId, target.Server!.Id!, target.JobId);
        return new StatusDocumentResult(job, StatusCodes.Status202Accepted, $"/api/jobs/{job.JobId}");
    }

    private static ProblemResult Busy(string agentId, Job active)
    {
        var what = active.Kind == JobKind.Deprovision ? "a deprovision job removing its server" : "a provisioning job";
        return Problems.Conflict(
            $"Agent {agentId} has {what} in flight, job {active.JobId} ({active.Status.ToString().ToLowerInvariant()}); follow it at /api/jobs/{active.JobId}, and remove the server once it has ended.",
            new Dictionary<string, object?> { ["job_id"] = active.JobId });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: deprovision of agent {AgentId}'s server {ServerId} (from job {ProvisionJobId}) queued for dispatch")]
    private static partial void LogStarted(ILogger logger, Guid jobId, string agentId, string serverId, Guid provisionJobId);
}
