using System.Globalization;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// Sends the agent health sweeper's state changes out as <c>agent.unhealthy</c> and
/// <c>agent.recovered</c>, with the status document of the agent's job and its health as it is
/// now. Each change is one episode, keyed by the time the sweeper saw it, so a change is raised
/// once however often it is handed on, and the next episode of the same kind is raised again. The
/// outbox row is durable before this returns (the sweeper records the change first and hands it on once).
/// </summary>
internal sealed class AgentHealthNotifications(NotificationOutbox outbox, JobStore jobs, AgentHealthReader health) : IAgentHealthEvents
{
    public async Task StateChangedAsync(AgentHealthChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var type = change.BecameUnhealthy ? EventTypes.AgentUnhealthy : change.Recovered ? EventTypes.AgentRecovered : null;
        if (type is null || !outbox.Enabled || await jobs.FindAsync(change.JobId, cancellationToken) is not { } job)
        {
            return;
        }

        var episode = change.At.UtcTicks.ToString(CultureInfo.InvariantCulture);
        await outbox.PublishAsync(type, job, episode, await health.ForAsync(job, cancellationToken), cancellationToken);
    }
}
