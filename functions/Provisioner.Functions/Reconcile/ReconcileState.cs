namespace Provisioner.Functions.Reconcile;

/// <summary>
/// What the backend remembers of its last question to GitHub about one job's run: which run,
/// the <c>ETag</c> of the answer (sent back as <c>If-None-Match</c>, so an unchanged run costs
/// no rate limit) and what that answer said, and when it asked.
/// </summary>
internal sealed record ReconcileState(string? RunId, string? ETag, WorkflowRun? Run, DateTimeOffset? CheckedAt)
{
    public static ReconcileState None { get; } = new(null, null, null, null);
}
