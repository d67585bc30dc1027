using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Timing;

/// <summary>
/// The step durations of the last <see cref="Size"/> successful runs of one region and install
/// mode, oldest first. Adding a run it holds already changes nothing, so a repeated
/// <c>running</c> callback cannot count twice.
/// </summary>
internal sealed record StepWindow(IReadOnlyList<StepSample> Samples)
{
    public const int Size = 20;

    /// <summary>How many runs must be known before an estimated completion is given.</summary>
    public const int RunsForEstimate = 5;

    public static StepWindow Empty { get; } = new([]);

    public bool Holds(Guid jobId) => Samples.Any(s => s.JobId == jobId);

    public StepWindow Add(StepSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return Holds(sample.JobId) ? this : new StepWindow([.. Samples.Skip(Math.Max(0, Samples.Count + 1 - Size)), sample]);
    }

    /// <summary>The median duration of step <paramref name="step"/> over the window, or null when it is empty.</summary>
    public double? Median(int step)
    {
        var values = Samples.Select(s => s.Seconds[step]).Order().ToList();
        if (values.Count == 0)
        {
            return null;
        }

        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>The durations of a job that reached running, from its projected steps; null for a job that did not.</summary>
    public static StepSample? SampleOf(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Status != JobStatus.Running || job.Kind == JobKind.Deprovision)
        {
            return null;
        }

        var steps = StepProjection.Project(job);
        var seconds = steps.Select(s => s.StartedAt is { } start && s.CompletedAt is { } end ? Math.Max(0, (end - start).TotalSeconds) : 0).ToArray();
        return new StepSample(job.JobId, seconds);
    }
}
