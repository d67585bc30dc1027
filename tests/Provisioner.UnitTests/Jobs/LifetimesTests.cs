using System.Text.Json;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Jobs;

/// <summary>A server's lifetime as pure rules (Jobs/Lifetimes): its end, its warning, and what a request may ask for.</summary>
public sealed class LifetimesTests
{
    private static readonly DateTimeOffset RunningAt = Start.AddMinutes(2); // JobScenario.Apply: the second callback's time

    private static Job RunningFor(int? ttl) => Apply(NewJob() with { TtlMinutes = ttl }, Provisioning(), Running());

    private static JsonElement Body(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void EndOf_CountsFromRunning_AndAnOperatorsEndReplacesIt()
    {
        Assert.Null(Lifetimes.EndOf(NewJob() with { TtlMinutes = 30 })); // not running yet: no end
        Assert.Equal(RunningAt.AddMinutes(30), Lifetimes.EndOf(RunningFor(30)));
        Assert.Null(Lifetimes.EndOf(RunningFor(null)));

        var set = RunningAt.AddHours(3);
        Assert.Equal(set, Lifetimes.EndOf(RunningFor(30) with { ExpiresAtOverride = set }));
        Assert.Equal(set, Lifetimes.EndOf(RunningFor(null) with { ExpiresAtOverride = set }));
    }

    [Fact]
    public void Expired_AtTheEnd_NotBefore_NotForARemovedServerOrADeprovisionJob()
    {
        var job = RunningFor(30);
        var end = RunningAt.AddMinutes(30);

        Assert.True(Lifetimes.Watching(job));
        Assert.False(Lifetimes.Expired(job, end.AddSeconds(-1)));
        Assert.True(Lifetimes.Expired(job, end));
        Assert.False(Lifetimes.Expired(job with { ServerRemovedAt = end }, end.AddMinutes(1)));
        Assert.False(Lifetimes.Expired(job with { Kind = JobKind.Deprovision }, end.AddMinutes(1)));
        Assert.False(Lifetimes.Expired(job with { Server = null }, end.AddMinutes(1)));
        Assert.False(Lifetimes.Watching(RunningFor(null)));
    }

    [Theory]
    [InlineData(30, 60, 0, true)]      // a lifetime shorter than the warning: warned at once
    [InlineData(120, 60, 59, false)]   // before the window
    [InlineData(120, 60, 60, true)]    // the window opens
    [InlineData(120, 60, 119, true)]
    [InlineData(120, 60, 120, false)]  // at the end it is removed, not warned
    [InlineData(120, 0, 119, false)]   // EXPIRY_WARNING_MINUTES=0: no warning
    public void WarningDue_InTheWindowBeforeTheEnd(int ttl, int warningMinutes, int minutesAfterRunning, bool due) =>
        Assert.Equal(due, Lifetimes.WarningDue(RunningFor(ttl), RunningAt.AddMinutes(minutesAfterRunning), TimeSpan.FromMinutes(warningMinutes)));

    [Fact]
    public void WarningKey_OnePerEnd()
    {
        Assert.Equal(Lifetimes.WarningKey(RunningAt), Lifetimes.WarningKey(RunningAt));
        Assert.NotEqual(Lifetimes.WarningKey(RunningAt), Lifetimes.WarningKey(RunningAt.AddMinutes(1)));
    }

    [Theory]
    [InlineData("{}", null)]
    [InlineData("{\"ttl_minutes\": null}", null)]
    [InlineData("{\"ttl_minutes\": 1}", 1)]
    [InlineData("{\"ttl_minutes\": 43200}", 43200)]
    public void TryReadTtl_TakesWholeMinutesFrom1To43200(string json, int? expected)
    {
        Assert.True(Lifetimes.TryReadTtl(Body(json), out var minutes, out var error), error);
        Assert.Equal(expected, minutes);
    }

    [Theory]
    [InlineData("{\"ttl_minutes\": 0}")]
    [InlineData("{\"ttl_minutes\": -5}")]
    [InlineData("{\"ttl_minutes\": 43201}")]
    [InlineData("{\"ttl_minutes\": 1.5}")]
    [InlineData("{\"ttl_minutes\": \"30\"}")]
    [InlineData("{\"ttl_minutes\": true}")]
    [InlineData("{\"ttl_minutes\": 99999999999}")]
    public void TryReadTtl_RefusesAnythingElse_NamingTheField(string json)
    {
        Assert.False(Lifetimes.TryReadTtl(Body(json), out _, out var error));
        Assert.StartsWith("ttl_minutes must be", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadChange_TtlFromNow_AnEnd_OrNoEnd()
    {
        var now = RunningAt.AddMinutes(10);
        Assert.True(Lifetimes.TryReadChange(Body("{\"ttl_minutes\": 90}"), now, out var change, out _));
        Assert.Equal(now.AddMinutes(90), change.EndsAt);

        Assert.True(Lifetimes.TryReadChange(Body("{\"expires_at\": \"2026-11-29T18:00:00Z\"}"), now, out change, out _));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 18, 0, 0, TimeSpan.Zero), change.EndsAt);

        Assert.True(Lifetimes.TryReadChange(Body("{\"expires_at\": \"2026-11-29T19:00:00+01:00\"}"), now, out change, out _));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 18, 0, 0, TimeSpan.Zero), change.EndsAt);

        Assert.True(Lifetimes.TryReadChange(Body("{\"expires_at\": null}"), now, out change, out _));
        Assert.Null(change.EndsAt);
    }

    [Theory]
    [InlineData("{}", "exactly one")]
    [InlineData("{\"ttl_minutes\": 5, \"expires_at\": null}", "exactly one")]
    [InlineData("{\"ttl_minutes\": 5, \"other\": 1}", "exactly one")]
    [InlineData("{\"ttl_minutes\": 0}", "ttl_minutes")]
    [InlineData("{\"ttl_minutes\": null}", "ttl_minutes")]
    [InlineData("{\"expires_at\": \"2026-11-29T09:00:00Z\"}", "expires_at")]        // in the past
    [InlineData("{\"expires_at\": \"2026-11-29T10:12:00Z\"}", "expires_at")]        // now: not in the future
    [InlineData("{\"expires_at\": \"2026-11-29T18:00:00\"}", "expires_at")]         // no offset
    [InlineData("{\"expires_at\": \"tomorrow\"}", "expires_at")]
    [InlineData("{\"expires_at\": 1764000000}", "expires_at")]
    public void TryReadChange_RefusesWhatIsNotOneValidEnd(string json, string named)
    {
        Assert.False(Lifetimes.TryReadChange(Body(json), RunningAt.AddMinutes(10), out _, out var error));
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_SetsOrClearsTheEnd_AndNothingWhenItIsTheSame()
    {
        var job = RunningFor(30);
        var later = RunningAt.AddHours(2);

        var extended = Lifetimes.Apply(job, new LifetimeChange(later), RunningAt.AddMinutes(1));
        Assert.Equal(later, Lifetimes.EndOf(extended!));

        var cleared = Lifetimes.Apply(extended!, new LifetimeChange(null), RunningAt.AddMinutes(2));
        Assert.Null(Lifetimes.EndOf(cleared!));
        Assert.False(Lifetimes.Watching(cleared!));

        Assert.Null(Lifetimes.Apply(cleared!, new LifetimeChange(null), RunningAt.AddMinutes(3)));
        Assert.Null(Lifetimes.Apply(extended!, new LifetimeChange(later), RunningAt.AddMinutes(3)));
    }

    [Fact]
    public void TheSettingsMatchTheRequestRule()
    {
        Assert.Equal(LifetimeOptions.MaxMinutes, Lifetimes.MaxTtlMinutes);
        Assert.Equal(60, new LifetimeOptions().ExpiryWarningMinutes);
        Assert.Null(new LifetimeOptions().DefaultTtlMinutes);
    }
}
