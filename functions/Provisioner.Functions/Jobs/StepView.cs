namespace Provisioner.Functions.Jobs;

/// <param name="ExpectedSeconds">While the job is in flight, the median duration of this step over recent successful runs of the same region and install mode; else null (docs/step-timing.md).</param>
/// <param name="Slow">True when the step took, or has been running for, more than twice its expected seconds.</param>
public sealed record StepView(string Id, string Label, string State, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, int? ExpectedSeconds = null, bool Slow = false);
