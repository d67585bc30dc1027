namespace Provisioner.Functions.AgentHealth;

/// <summary>The default: state changes are recorded (and logged by the sweeper) and go nowhere else.</summary>
internal sealed class NoAgentHealthEvents : IAgentHealthEvents
{
    public Task StateChangedAsync(AgentHealthChange change, CancellationToken cancellationToken) => Task.CompletedTask;
}
