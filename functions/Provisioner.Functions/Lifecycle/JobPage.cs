namespace Provisioner.Functions.Lifecycle;

/// <summary>A page of a job list: newest first, and the token for the next page (null on the last).</summary>
public sealed record JobPage(IReadOnlyList<JobSummary> Jobs, string? Continuation);
