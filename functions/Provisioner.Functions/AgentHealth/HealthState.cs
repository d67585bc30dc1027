namespace Provisioner.Functions.AgentHealth;

/// <summary>What the page shows of a running agent (docs/agent-health.md, "States").</summary>
internal enum HealthState
{
    /// <summary>No report yet, and not silent for long enough to say more.</summary>
    Unknown,

    /// <summary>The last report, within the silence limit, said <c>ok</c>.</summary>
    Healthy,

    /// <summary>The last report, within the silence limit, said <c>degraded</c>.</summary>
    Degraded,

    /// <summary>No report for <c>HEALTH_SILENCE_MINUTES</c>.</summary>
    Unreachable,
}
