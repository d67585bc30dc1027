namespace Provisioner.Functions.Audit;

/// <summary>A page of the audit log: <c>{"entries": […], "continuation": "…" | null}</c>, newest first.</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? Continuation);
