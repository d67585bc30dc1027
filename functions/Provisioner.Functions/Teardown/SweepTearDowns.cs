using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Teardown;

/// <summary>
/// Starts the same deprovision job as <c>DELETE /api/agents/{agent_id}/server</c> from a part of
/// the sweep (an expired hold, an ended lifetime): watched first, added, the agent claimed, then
/// queued. Of that job and a racing create, re-run or tear down, the agent's claim lets one win; a
/// deprovision job that loses is deleted again, and the sweep tries once more next time. A job
/// that holds its agent but cannot be queued is failed, as a tear down does, so it never blocks
/// the agent.
/// </summary>
internal sealed class SweepTearDowns(JobStore jobs, AgentStore agents, JobIntake intake)
{
    /// <summary>The deprovision job started, or the job that holds the agent (try again at the next sweep).</summary>
    internal readonly record struct Start(Job? Started, Guid? BusyWith);

    /// <param name="from">The provision job whose server is removed.</param>
    /// <param name="reason">The deprovision job's reason (<see cref="Deprovision"/>).</param>
    /// <param name="what">What ended, in words for a failure's message ("an expired hold").</param>
    public async Task<Start> StartAsync(Job from, string reason, DateTimeOffset now, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        var job = Deprovision.For(from, Guid.NewGuid(), now, reason);
        await intake.WatchAsync(job.JobId, job.CreatedAt, cancellationToken);
        await jobs.TryAddAsync(job, cancellationToken);
        if (await agents.ClaimForTearDownAsync(from.AgentId, job.JobId, cancellationToken) is AgentClaim.Busy busy)
        {
            await jobs.DeleteUnclaimedAsync(job.JobId, cancellationToken);
            return new Start(null, busy.ActiveJobId);
        }

        try
        {
            await intake.EnqueueAsync(job.JobId, cancellationToken);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e, cancellationToken))
        {
            await jobs.UpdateAsync(job.JobId, j => JobTransitions.Fail(j, FailureReason.DispatchFailed, $"The deprovision job for {what} could not be queued for dispatch because storage was unavailable; the reaper removes the server, or send DELETE /api/agents/{{agent_id}}/server.", null, now), CancellationToken.None);
            throw;
        }

        return new Start(job, null);
    }
}
