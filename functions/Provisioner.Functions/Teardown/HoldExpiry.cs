using Microsoft.Extensions.Logging;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions.Teardown;

/// <summary>
/// The backend ends holds (docs/lifecycle.md, "The backend ends holds"): a part of the time-out
/// sweep that keeps a failed job holding its server in the in-flight index until the hold ends,
/// and, once <c>server.kept_until</c> has passed without a re-run from the failed step taking the
/// server over, starts the same deprovision job as <c>DELETE /api/agents/{agent_id}/server</c>
/// (reason <c>hold_expired</c>). The agent's claim settles a race with a re-run: of the two, one
/// wins the agent; a deprovision job that loses it is deleted and tried again at the next sweep,
/// which then finds the re-run and lets the job go. So a server is never both re-run and removed.
/// </summary>
internal sealed partial class HoldExpiry(
    JobStore jobs,
    AgentStore agents,
    SweepTearDowns tearDowns,
    ILogger<HoldExpiry> logger) : IInFlightWatcher
{
    /// <summary>True while the job holds its server (keep watching it); false once the hold is ended, taken over, or handed to a deprovision job.</summary>
    public async Task<bool> HoldsAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!Holds.Holding(job))
        {
            return false;
        }

        if (job.NextJobId is { } nextId && Holds.TakenOver(job, await jobs.FindAsync(nextId, cancellationToken)))
        {
            return false; // the re-run from the failed step owns the server now
        }

        return Holds.Expired(job, now) ? !await TryStartAsync(job, now, cancellationToken) : true;
    }

    /// <summary>Starts the deprovision job; false when the agent is busy (another job in flight), to be tried at the next sweep.</summary>
    private async Task<bool> TryStartAsync(Job held, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Started before (a sweep that ended before it let the job go): not a second one while it may still remove the server.
        if (await agents.FindAsync(held.AgentId, cancellationToken) is { TearDownJobId: { } tearDownId }
            && await jobs.FindAsync(tearDownId, cancellationToken) is { RemovesServerOfJobId: { } removes, Status: not (JobStatus.Failed or JobStatus.Cancelled) }
            && removes == held.JobId)
        {
            return true;
        }

        var start = await tearDowns.StartAsync(held, Deprovision.HoldExpired, now, "an expired hold", cancellationToken);
        if (start.Started is not { } job)
        {
            LogBusy(logger, held.JobId, held.AgentId, start.BusyWith!.Value);
            return false;
        }

        LogStarted(logger, job.JobId, held.AgentId, held.Server!.Id!, held.JobId, held.ServerKeptUntil!.Value);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: deprovision of agent {AgentId}'s held server {ServerId} (from job {ProvisionJobId}, kept until {KeptUntil:o}) queued for dispatch: hold_expired")]
    private static partial void LogStarted(ILogger logger, Guid jobId, string agentId, string serverId, Guid provisionJobId, DateTimeOffset keptUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: its hold on agent {AgentId}'s server has passed, but job {ActiveJobId} holds the agent; trying again at the next sweep")]
    private static partial void LogBusy(ILogger logger, Guid jobId, string agentId, Guid activeJobId);
}
