using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// Notices state changes nobody reports (an agent going silent) by reading the index of running
/// agents, one partition, and never the jobs table (a change costs one point read of the
/// agent's row, to see whether a newer job took over). A change is recorded on the agent's row
/// under the ETag it was read with, then handed to <see cref="IAgentHealthEvents"/>. The state
/// the page shows does not wait for this: it is computed whenever it is read.
/// </summary>
internal sealed partial class AgentHealthSweeper(
    AgentHealthStore store,
    AgentStore agents,
    IAgentHealthEvents events,
    IOptions<AgentHealthOptions> options,
    TimeProvider time,
    ILogger<AgentHealthSweeper> logger)
{
    /// <summary>Returns the changes recorded in this sweep.</summary>
    public async Task<IReadOnlyList<AgentHealthChange>> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var changes = new List<AgentHealthChange>();
        await foreach (var (record, agentId, jobId, etag, unreadable) in store.ListAsync(cancellationToken))
        {
            if (record is null)
            {
                LogSkipped(logger, jobId, agentId, unreadable);
                continue;
            }

            try
            {
                if (await SweepOneAsync(record, etag, now, cancellationToken) is { } change)
                {
                    changes.Add(change);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One agent whose change cannot be recorded or published must not stop the sweep for the others.
                LogSkipped(logger, record.JobId, record.AgentId, ex);
            }
        }

        return changes;
    }

    /// <summary>One running agent: the change this sweep recorded for it, or null.</summary>
    private async Task<AgentHealthChange?> SweepOneAsync(AgentHealthRecord record, Azure.ETag etag, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Reports can come before the job is running; only a running job has a health to watch.
        if (record.RunningAt is null)
        {
            return null;
        }

        var state = HealthProjection.StateOf(record.RunningAt, record.LastReportAt, record.LastReport?.Status, now, options.Value.Silence);
        var was = record.RecordedState ?? HealthState.Unknown;
        if (state == was)
        {
            return null;
        }

        // A change is where a job that has ended shows: a newer job of the agent took over (and
        // revoked this one's key). Its row leaves the index instead of raising an alarm.
        // Likewise once a tear down took the agent: its server is going or gone, and silence is expected.
        if (await agents.FindAsync(record.AgentId, cancellationToken) is not { } agent || agent.NewestJobId != record.JobId || agent.TearDownJobId is not null)
        {
            await store.TryRemoveAsync(record.AgentId, etag, cancellationToken);
            LogRemoved(logger, record.JobId, record.AgentId);
            return null;
        }

        if (!await store.TryRecordStateAsync(record.AgentId, etag, state, cancellationToken))
        {
            return null;
        }

        var change = new AgentHealthChange(record.AgentId, record.JobId, was, state, now);
        LogChanged(logger, record.JobId, record.AgentId, was, state);
        await events.StateChangedAsync(change, cancellationToken);
        return change;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} (agent {AgentId}): skipped by this health sweep, which goes on with the other agents")]
    private static partial void LogSkipped(ILogger logger, Guid jobId, string agentId, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} (agent {AgentId}): a newer job of the agent took over; its health is no longer watched")]
    private static partial void LogRemoved(ILogger logger, Guid jobId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} (agent {AgentId}): health {From} -> {To}")]
    private static partial void LogChanged(ILogger logger, Guid jobId, string agentId, HealthState from, HealthState to);
}
