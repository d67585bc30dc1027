using System.Text.Json.Nodes;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// The <c>health</c> of a running job's status document. <paramref name="Checks"/> are the last
/// report's checks by name (<c>{"disk":{"status":"ok","message":"…"}}</c>), null before any report;
/// a JSON object so the names stay exactly as the agent sent them.
/// </summary>
public sealed record HealthView(string State, DateTimeOffset? LastReportAt, JsonObject? Checks);
