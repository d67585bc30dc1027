namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// Where the sweeper hands each health state change it has recorded: the one point where
/// notifications (<c>agent.unhealthy</c>, <c>agent.recovered</c>) attach. The change is recorded
/// before it is handed on, so each is handed on once; an implementation that must not lose one
/// should make it durable (enqueue it) before returning.
/// </summary>
internal interface IAgentHealthEvents
{
    Task StateChangedAsync(AgentHealthChange change, CancellationToken cancellationToken);
}
