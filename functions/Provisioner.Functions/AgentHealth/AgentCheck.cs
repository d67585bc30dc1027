namespace Provisioner.Functions.AgentHealth;

/// <summary>One named check of a health report: <c>ok</c>, <c>degraded</c> or <c>failed</c>, with a short message.</summary>
internal sealed record AgentCheck(string Name, string Status, string? Message);
