namespace Provisioner.Functions.Timing;

/// <summary>
/// What the timings of earlier runs say about a job in flight: each step's expected seconds
/// (null: none known), whether it is slow, and when the job should be running (null until
/// <see cref="StepWindow.RunsForEstimate"/> runs are known).
/// </summary>
internal sealed record JobEstimate(IReadOnlyList<int?> ExpectedSeconds, IReadOnlyList<bool> Slow, DateTimeOffset? CompletionAt)
{
    public static JobEstimate None { get; } = new([null, null, null, null, null], [false, false, false, false, false], null);
}
