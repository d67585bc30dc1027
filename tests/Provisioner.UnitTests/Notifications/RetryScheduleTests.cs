using System.Net.Http.Headers;
using Provisioner.Functions.Notifications;

namespace Provisioner.Tests.Notifications;

public sealed class RetryScheduleTests
{
    private static readonly RetrySchedule Schedule = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), 15, TimeSpan.FromHours(24));

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(4, 40)]
    [InlineData(20, 600)]
    public void Delay_IsFullJitter_BetweenZeroAndTheExponentialCeiling(int attempt, double ceilingSeconds)
    {
        var random = new Random(7);
        var delays = Enumerable.Range(0, 2000).Select(_ => Schedule.Delay(attempt, null, random).TotalSeconds).ToList();
        Assert.All(delays, d => Assert.InRange(d, 0, ceilingSeconds));

        // Spread over the whole range, not bunched at the top (plain exponential) or the bottom.
        Assert.InRange(delays.Average(), ceilingSeconds * 0.45, ceilingSeconds * 0.55);
        Assert.InRange(delays.Min(), 0, ceilingSeconds * 0.02);
        Assert.InRange(delays.Max(), ceilingSeconds * 0.98, ceilingSeconds);
    }

    [Fact]
    public void Delay_ARetryAfterLongerThanTheJitter_Wins_ButIsCapped()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), Schedule.Delay(1, TimeSpan.FromSeconds(90), new Random(1)));
        Assert.Equal(TimeSpan.FromMinutes(10), Schedule.Delay(1, TimeSpan.FromHours(3), new Random(1)));
    }

    [Fact]
    public void RetryAfter_ReadsSecondsAndHttpDates()
    {
        var now = new DateTimeOffset(2026, 12, 2, 5, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(30), RetrySchedule.RetryAfter(RetryConditionHeaderValue.Parse("30"), now));
        Assert.Equal(TimeSpan.FromSeconds(90), RetrySchedule.RetryAfter(RetryConditionHeaderValue.Parse("Wed, 02 Dec 2026 05:01:30 GMT"), now));
        Assert.Equal(TimeSpan.Zero, RetrySchedule.RetryAfter(RetryConditionHeaderValue.Parse("Wed, 02 Dec 2026 04:00:00 GMT"), now));
        Assert.Null(RetrySchedule.RetryAfter(null, now));
    }

    [Fact]
    public void GivesUp_AfterTheAttemptCap_OrTheHours()
    {
        var raised = new DateTimeOffset(2026, 12, 2, 5, 0, 0, TimeSpan.Zero);
        Assert.False(Schedule.GivesUp(14, raised, raised.AddHours(23)));
        Assert.True(Schedule.GivesUp(15, raised, raised.AddMinutes(1)));
        Assert.True(Schedule.GivesUp(2, raised, raised.AddHours(24)));
    }
}
