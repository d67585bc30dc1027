using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Storage;
using Provisioner.Functions.Teardown;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions.Lifetime;

/// <summary>
/// The end of a server's lifetime (docs/lifetime.md): a part of the time-out sweep, so the servers
/// that have an end are found in the in-flight index, never by reading the jobs table. It keeps a
/// running job whose server has an end (<see cref="Lifetimes.Watching"/>) in the index; raises one
/// <c>agent.expiring</c> per end, <c>EXPIRY_WARNING_MINUTES</c> before it; and once the end has passed
/// starts the same deprovision job as <c>DELETE /api/agents/{agent_id}/server</c>, reason
/// <c>expired</c>. Of that job and a racing create or tear down, the agent's claim lets one win; a
/// deprovision job that loses is deleted and tried again at the next sweep.
/// </summary>
internal sealed partial class ServerExpiry(
    JobStore jobs,
    AgentStore agents,
    SweepTearDowns tearDowns,
    NotificationOutbox outbox,
    IOptions<LifetimeOptions> options,
    ILogger<ServerExpiry> logger) : IInFlightWatcher
{
    /// <summary>True while the job's server has an end still to come (keep watching it); false once it has none, was removed, or a deprovision job took it.</summary>
    public async Task<bool> HoldsAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!Lifetimes.Watching(job))
        {
            return false;
        }

        var warning = TimeSpan.FromMinutes(options.Value.ExpiryWarningMinutes);
        if (Lifetimes.WarningDue(job, now, warning))
        {
            await outbox.PublishAsync(EventTypes.AgentExpiring, job, Lifetimes.WarningKey(Lifetimes.EndOf(job)!.Value), null, cancellationToken);
        }

        return Lifetimes.Expired(job, now) ? !await TryStartAsync(job, now, cancellationToken) : true;
    }

    /// <summary>Starts the deprovision job; true when it is started (or was before) or the agent moved on; false to try again at the next sweep.</summary>
    private async Task<bool> TryStartAsync(Job expired, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var agent = await agents.FindAsync(expired.AgentId, cancellationToken);
        if (agent?.NewestJobId != expired.JobId)
        {
            return true; // a newer job of the agent owns it now; its own lifetime, if any, rules
        }

        // Started before (a sweep that stopped before it let the job go), or a tear down of this server that failed:
        // not a second one every minute; a failed removal is for a person (DELETE again) or the reaper.
        if (agent.TearDownJobId is { } tearDownId
            && await jobs.FindAsync(tearDownId, cancellationToken) is { RemovesServerOfJobId: { } removes }
            && removes == expired.JobId)
        {
            return true;
        }

        var start = await tearDowns.StartAsync(expired, Deprovision.Expired, now, "an expired server", cancellationToken);
        if (start.Started is not { } job)
        {
            LogBusy(logger, expired.JobId, expired.AgentId, start.BusyWith!.Value);
            return false;
        }

        var endedAt = Lifetimes.EndOf(expired)!.Value;
        LogStarted(logger, job.JobId, expired.AgentId, expired.Server!.Id!, expired.JobId, endedAt);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: deprovision of agent {AgentId}'s server {ServerId} (from job {ProvisionJobId}, its lifetime ended at {EndedAt:o}) queued for dispatch: expired")]
    private static partial void LogStarted(ILogger logger, Guid jobId, string agentId, string serverId, Guid provisionJobId, DateTimeOffset endedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: the lifetime of agent {AgentId}'s server has ended, but job {ActiveJobId} holds the agent; trying again at the next sweep")]
    private static partial void LogBusy(ILogger logger, Guid jobId, string agentId, Guid activeJobId);
}
