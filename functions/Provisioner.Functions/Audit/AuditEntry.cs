namespace Provisioner.Functions.Audit;

/// <summary>
/// One entry of the audit log as <c>GET /api/audit</c> lists it: when, who (<c>null</c> when
/// sign-in is off, or for a caller without a valid token), what (<see cref="Action"/>), on what
/// (<see cref="Target"/>, plus the agent and job where known), and the answer.
/// </summary>
internal sealed record AuditEntry(
    DateTimeOffset At,
    AuditActor? Actor,
    string Action,
    string Target,
    string? AgentId,
    Guid? JobId,
    int StatusCode,
    string Outcome);

/// <summary>Who acted: the token's object id (<c>oid</c>) and display name.</summary>
internal sealed record AuditActor(string Oid, string? Name);
