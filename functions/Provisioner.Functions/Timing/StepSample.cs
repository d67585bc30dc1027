namespace Provisioner.Functions.Timing;

/// <summary>How long each of the five steps took in one successful run (seconds, by step index).</summary>
internal sealed record StepSample(Guid JobId, IReadOnlyList<double> Seconds);
