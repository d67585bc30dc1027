using Provisioner.Functions.Timing;

namespace Provisioner.Tests.Timing;

/// <summary>The bucketed durations behind the step statistics: percentiles within 2.5%, merging by adding.</summary>
public sealed class StepHistogramTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public void Percentile_IsWithinTwoAndAHalfPercentOfTheExactNearestRank(double p)
    {
        var values = Enumerable.Range(1, 200).Select(i => 5 + (i * 1.7)).ToList();
        var histogram = values.Aggregate(new StepHistogram(), (h, v) => h.Add(v));
        var exact = values.Order().ElementAt((int)Math.Ceiling(p * values.Count) - 1);
        Assert.InRange(histogram.Percentile(p)!.Value, exact * 0.975, exact * 1.025);
        Assert.Equal(200, histogram.Count);
    }

    [Fact]
    public void Merge_AddsCounts_AndRoundTripsThroughItsJson()
    {
        var a = new StepHistogram().Add(10).Add(10).Add(100);
        var b = StepHistogram.FromJson(new StepHistogram().Add(10).Add(1000).ToJson());
        var merged = a.Merge(b);
        Assert.Equal(5, merged.Count);
        Assert.InRange(merged.Percentile(0.5)!.Value, 9.75, 10.25);
        Assert.InRange(merged.Percentile(1.0)!.Value, 975, 1025);
    }

    [Fact]
    public void Empty_HasNoPercentile_AndZeroSecondsHasABucket()
    {
        Assert.Null(new StepHistogram().Percentile(0.5));
        Assert.Equal(0, new StepHistogram().Add(0).Percentile(0.5));
    }
}
