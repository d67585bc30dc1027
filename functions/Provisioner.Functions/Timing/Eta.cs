using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Timing;

/// <summary>
/// The estimate for a job in flight, a function of the job, the window of its region and
/// install mode, and the time (docs/step-timing.md):
/// <list type="bullet">
/// <item>a step's expected seconds: the median over the window (null when the window is empty);</item>
/// <item>a step is slow when it took, or has been running for, more than
/// <see cref="SlowFactor"/> times its expected seconds and at least <see cref="SlowMargin"/>
/// beyond them (a step that usually takes 2 s is not slow at 5 s);</item>
/// <item>the completion: from <see cref="StepWindow.RunsForEstimate"/> runs on, the start of the
/// active step plus the expected seconds of it and of every step after it.</item>
/// </list>
/// The completion does not read the clock, so the document (and its ETag) stays the same
/// between polls while the job does not move; only <c>slow</c> turns true once, when a step
/// passes its limit. A job that has ended gets <see cref="JobEstimate.None"/>.
/// </summary>
internal static class Eta
{
    public const double SlowFactor = 2;

    public static readonly TimeSpan SlowMargin = TimeSpan.FromMinutes(1);

    public static JobEstimate Estimate(Job job, StepWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(window);
        if (job.IsTerminal || window.Samples.Count == 0)
        {
            return JobEstimate.None;
        }

        var steps = StepProjection.Project(job);
        var expected = Enumerable.Range(0, steps.Count).Select(window.Median).ToArray();
        var slow = steps.Select((step, i) => expected[i] is { } usual && step.StartedAt is { } start
            && ((step.CompletedAt ?? now) - start).TotalSeconds is var took
            && took > SlowFactor * usual && took > usual + SlowMargin.TotalSeconds).ToArray();

        DateTimeOffset? completion = null;
        var active = JobTransitions.ActiveStep(job);
        if (window.Samples.Count >= StepWindow.RunsForEstimate && steps[active].StartedAt is { } activeStart)
        {
            completion = TruncateToSeconds(activeStart.AddSeconds(expected.Skip(active).Sum(e => e!.Value)));
        }

        return new JobEstimate(expected.Select(e => e is { } v ? (int?)(int)Math.Round(v) : null).ToArray(), slow, completion);
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset at) => new(at.Ticks - (at.Ticks % TimeSpan.TicksPerSecond), at.Offset);
}
