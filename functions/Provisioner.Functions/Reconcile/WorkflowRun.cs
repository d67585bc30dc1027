namespace Provisioner.Functions.Reconcile;

/// <summary>What GitHub says about one workflow run (or one attempt of it).</summary>
/// <param name="Id">GitHub's run id.</param>
/// <param name="Status"><c>queued</c>, <c>waiting</c>, <c>pending</c>, <c>requested</c>, <c>in_progress</c> or <c>completed</c>.</param>
/// <param name="Conclusion">Once completed: <c>success</c>, <c>failure</c>, <c>cancelled</c>, <c>timed_out</c>, …</param>
/// <param name="HtmlUrl">The run's page.</param>
internal sealed record WorkflowRun(long Id, string Status, string? Conclusion, string? HtmlUrl);
