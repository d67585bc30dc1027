namespace Provisioner.Functions.AgentHealth;

/// <summary>One health report of an agent, as read from its body (see <see cref="AgentReportParser"/>).</summary>
/// <param name="Status"><c>ok</c> or <c>degraded</c>: the agent's own verdict.</param>
/// <param name="Checks">The named checks, in the order sent.</param>
/// <param name="Version">The agent's version, when it says.</param>
internal sealed record AgentReport(string Status, IReadOnlyList<AgentCheck> Checks, string? Version);
