namespace Provisioner.Functions.AgentHealth;

/// <summary>A change of an agent's health state, as the sweeper saw it.</summary>
internal sealed record AgentHealthChange(string AgentId, Guid JobId, HealthState From, HealthState To, DateTimeOffset At)
{
    /// <summary>From healthy or unknown to degraded or unreachable (an <c>agent.unhealthy</c> notification).</summary>
    public bool BecameUnhealthy => To is HealthState.Degraded or HealthState.Unreachable && From is HealthState.Healthy or HealthState.Unknown;

    /// <summary>Back to healthy from degraded or unreachable (an <c>agent.recovered</c> notification).</summary>
    public bool Recovered => To == HealthState.Healthy && From is HealthState.Degraded or HealthState.Unreachable;
}
