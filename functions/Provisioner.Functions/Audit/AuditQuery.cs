namespace Provisioner.Functions.Audit;

/// <summary>The filters of <c>GET /api/audit</c> (each optional) and where the page starts.</summary>
internal sealed record AuditQuery(string? Actor, string? AgentId, string? Action, int Limit, string? After);
