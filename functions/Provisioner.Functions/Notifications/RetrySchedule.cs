using System.Globalization;
using System.Net.Http.Headers;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// When to try a failed delivery again: exponential back-off with full jitter (a uniformly
/// random wait between 0 and <c>min(max, base·2^(attempt-1))</c>), so receivers coming back
/// from an outage are not hit by every sender at once; a receiver's <c>Retry-After</c> (seconds
/// or an HTTP date) wins when it asks for longer, capped at <see cref="Max"/>. A pure function
/// of its inputs: the caller passes the clock and the random source.
/// </summary>
internal sealed record RetrySchedule(TimeSpan Base, TimeSpan Max, int MaxAttempts, TimeSpan GiveUpAfter)
{
    /// <summary>A queue message can be hidden for at most 7 days; keep well inside it.</summary>
    public static readonly TimeSpan LongestDelay = NotifyOptions.LongestRetryDelay;

    /// <summary>The schedule the notification settings ask for.</summary>
    public static RetrySchedule From(NotifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(TimeSpan.FromSeconds(options.RetryBaseSeconds), TimeSpan.FromSeconds(options.RetryMaxSeconds), options.MaxAttempts, TimeSpan.FromHours(options.GiveUpHours));
    }

    /// <summary>Whether an event that has failed <paramref name="attempt"/> times, raised at <paramref name="raisedAt"/>, is given up.</summary>
    public bool GivesUp(int attempt, DateTimeOffset raisedAt, DateTimeOffset now) =>
        attempt >= MaxAttempts || now - raisedAt >= GiveUpAfter;

    /// <summary>The wait after failed attempt number <paramref name="attempt"/> (1 for the first).</summary>
    public TimeSpan Delay(int attempt, TimeSpan? retryAfter, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var ceiling = Math.Min(Max.TotalSeconds, Base.TotalSeconds * Math.Pow(2, exponent));
        var jittered = TimeSpan.FromSeconds(random.NextDouble() * ceiling);
        if (retryAfter is { } asked && asked > jittered)
        {
            jittered = asked < Max ? asked : Max;
        }

        return jittered;
    }

    /// <summary><c>Retry-After</c> as a wait from <paramref name="now"/>: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            return date > now ? date - now : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>For logs and the outbox row.</summary>
    public static string Describe(TimeSpan delay) => delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
