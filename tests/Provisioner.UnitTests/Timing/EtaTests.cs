using Provisioner.Functions.Jobs;
using Provisioner.Functions.Timing;

namespace Provisioner.Tests.Timing;

/// <summary>The estimate as a pure function of a job, a window and the time.</summary>
public sealed class EtaTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static StepWindow Window(int runs) =>
        Enumerable.Range(0, runs).Aggregate(StepWindow.Empty, (w, i) => w.Add(new StepSample(Guid.NewGuid(), [10, 60 + i, 100, 50, 5])));

    private static Job Installing() => Job.Create(Guid.NewGuid(), "a", "eu-central", T0) with
    {
        ProvisioningAt = T0.AddSeconds(10),
        VmCreatedAt = T0.AddSeconds(70),
        UpdatedAt = T0.AddSeconds(70),
    };

    [Theory]
    [InlineData(0, false, false)]
    [InlineData(1, true, false)]
    [InlineData(4, true, false)]
    [InlineData(5, true, true)]
    [InlineData(20, true, true)]
    public void Estimate_GivesExpectedDurationsOnceKnown_AndACompletionFromTheFifthRun(int runs, bool expected, bool completion)
    {
        var estimate = Eta.Estimate(Installing(), Window(runs), T0.AddSeconds(80));
        Assert.Equal(expected, estimate.ExpectedSeconds.All(e => e is not null));
        Assert.Equal(completion, estimate.CompletionAt is not null);
    }

    [Fact]
    public void Estimate_OnTime_IsTheActiveStepsExpectedEndPlusTheRest()
    {
        var estimate = Eta.Estimate(Installing(), Window(5), T0.AddSeconds(80));
        Assert.Equal(T0.AddSeconds(70 + 100 + 50 + 5), estimate.CompletionAt);
        Assert.Equal([10, 62, 100, 50, 5], estimate.ExpectedSeconds);
        Assert.DoesNotContain(true, estimate.Slow);
    }

    [Fact]
    public void Estimate_LateStep_KeepsTheSameEstimateAndIsSlowPastTwiceItsTimeAndAMinute()
    {
        var late = Eta.Estimate(Installing(), Window(5), T0.AddSeconds(70 + 150));
        Assert.Equal(T0.AddSeconds(70 + 100 + 50 + 5), late.CompletionAt); // the clock does not move it
        Assert.False(late.Slow[2]);

        var slow = Eta.Estimate(Installing(), Window(5), T0.AddSeconds(70 + 201));
        Assert.True(slow.Slow[2]);
        Assert.False(slow.Slow[1]);
    }

    [Fact]
    public void Estimate_ShortStep_IsNotSlowWithinAMinuteOfItsTime()
    {
        var window = Enumerable.Range(0, 5).Aggregate(StepWindow.Empty, (w, _) => w.Add(new StepSample(Guid.NewGuid(), [1, 2, 2, 2, 1])));
        Assert.False(Eta.Estimate(Installing(), window, T0.AddSeconds(70 + 50)).Slow[2]);
        Assert.True(Eta.Estimate(Installing(), window, T0.AddSeconds(70 + 63)).Slow[2]);
    }

    [Fact]
    public void Estimate_EndedJob_IsNone()
    {
        var ran = Installing() with { RunningAt = T0.AddSeconds(300) };
        Assert.Same(JobEstimate.None, Eta.Estimate(ran, Window(10), T0.AddSeconds(400)));
    }

    [Fact]
    public void Window_AddingAJobItHolds_ChangesNothing()
    {
        var sample = new StepSample(Guid.NewGuid(), [1, 2, 3, 4, 5]);
        var once = StepWindow.Empty.Add(sample);
        Assert.Same(once, once.Add(sample with { Seconds = [9, 9, 9, 9, 9] }));
        Assert.Equal(3, once.Median(2));
    }

    [Fact]
    public void InstallMode_UnknownOrOdd_ReadsAsFullOrOther()
    {
        var job = Job.Create(Guid.NewGuid(), "a", "eu-central", T0);
        Assert.Equal("full", InstallModes.Of(job));
        Assert.Equal("snapshot-hybrid", InstallModes.Of(job with { Mode = "snapshot-hybrid" }));
        Assert.Equal("other", InstallModes.Of(job with { Mode = "a/b#c" }));
    }
}
