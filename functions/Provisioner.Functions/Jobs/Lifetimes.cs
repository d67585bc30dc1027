using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Provisioner.Functions.Jobs;

/// <summary>
/// The lifetime of a server, pure (docs/lifetime.md): a provision job may be given a lifetime in
/// whole minutes (<see cref="Job.TtlMinutes"/>), counted from Running; an Operator may set its end
/// (<see cref="Job.ExpiresAtOverride"/>) or clear it later. When the end passes, the backend removes
/// the server with a deprovision job (<see cref="Deprovision.Expired"/>), after one warning
/// <see cref="LifetimePolicy.Warning"/> before the end.
/// </summary>
internal static class Lifetimes
{
    /// <summary>The longest lifetime a request may ask for: 30 days.</summary>
    public const int MaxTtlMinutes = 43200;

    public const string TtlField = "ttl_minutes";
    public const string ExpiresAtField = "expires_at";

    public static readonly string TtlRule = string.Create(CultureInfo.InvariantCulture, $"a whole number of minutes from 1 to {MaxTtlMinutes}");

    /// <summary>When the job's server ends; null when it has no end (none asked for, cleared, or not running yet).</summary>
    public static DateTimeOffset? EndOf(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Kind != JobKind.Provision)
        {
            return null;
        }

        return job.ExpiresAtOverride ?? (job.RunningAt is { } running && job.TtlMinutes is { } ttl ? running.AddMinutes(ttl) : null);
    }

    /// <summary>Whether the job has a live server with an end: running, named, not removed. The sweep keeps such a job in its index.</summary>
    public static bool Watching(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job is { Kind: JobKind.Provision, Status: JobStatus.Running, ServerRemovedAt: null }
            && !string.IsNullOrEmpty(job.Server?.Id)
            && EndOf(job) is not null;
    }

    /// <summary>Whether the server's end has passed at <paramref name="now"/>.</summary>
    public static bool Expired(Job job, DateTimeOffset now) => Watching(job) && EndOf(job) <= now;

    /// <summary>Whether the one warning is due at <paramref name="now"/>: within <paramref name="warning"/> of the end, before it.</summary>
    public static bool WarningDue(Job job, DateTimeOffset now, TimeSpan warning) =>
        Watching(job) && EndOf(job) is { } end && now < end && now >= end - warning;

    /// <summary>The key that makes the warning one per end: a new end (extended, shortened) is warned of again.</summary>
    public static string WarningKey(DateTimeOffset end) => string.Create(CultureInfo.InvariantCulture, $"expiring-{end.ToUnixTimeSeconds()}");

    /// <summary>
    /// Reads an optional <c>ttl_minutes</c> of <paramref name="root"/>: absent or null gives null;
    /// anything but a whole number from 1 to <see cref="MaxTtlMinutes"/> is an error naming the field.
    /// </summary>
    public static bool TryReadTtl(JsonElement root, out int? minutes, [NotNullWhen(false)] out string? error)
    {
        minutes = null;
        error = null;
        if (!root.TryGetProperty(TtlField, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var whole) && whole is >= 1 and <= MaxTtlMinutes)
        {
            minutes = whole;
            return true;
        }

        error = $"{TtlField} must be {TtlRule}, not {Shown(value)}.";
        return false;
    }

    /// <summary>
    /// Reads the body of <c>PATCH /api/agents/{agent_id}/server</c>: exactly one of
    /// <c>{"ttl_minutes": N}</c> (the end is N minutes from <paramref name="now"/>) and
    /// <c>{"expires_at": "&lt;ISO-8601&gt;"|null}</c> (null clears the end). An end not after
    /// <paramref name="now"/> is an error naming the field.
    /// </summary>
    public static bool TryReadChange(JsonElement root, DateTimeOffset now, [NotNullWhen(true)] out LifetimeChange? change, [NotNullWhen(false)] out string? error)
    {
        change = null;
        var hasTtl = root.TryGetProperty(TtlField, out _);
        var hasEnd = root.TryGetProperty(ExpiresAtField, out var end);
        if (hasTtl == hasEnd || root.EnumerateObject().Count() != 1)
        {
            error = $"Send exactly one of {{\"{TtlField}\": N}} ({TtlRule}, counted from now) and {{\"{ExpiresAtField}\": \"<ISO-8601 time with offset>\" or null}} (null: no end).";
            return false;
        }

        if (hasTtl)
        {
            if (!TryReadTtl(root, out var minutes, out error))
            {
                return false;
            }

            if (minutes is null)
            {
                error = $"{TtlField} must be {TtlRule}, not null; send {{\"{ExpiresAtField}\": null}} to clear the end.";
                return false;
            }

            change = new LifetimeChange(now.AddMinutes(minutes.Value));
            return true;
        }

        if (end.ValueKind == JsonValueKind.Null)
        {
            change = new LifetimeChange(null);
            error = null;
            return true;
        }

        var text = end.ValueKind == JsonValueKind.String ? end.GetString() : null;
        if (text is null || !HasOffset(text)
            || !DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            error = $"{ExpiresAtField} must be an ISO-8601 time with its offset (2026-01-31T18:00:00Z) or null, not {Shown(end)}.";
            return false;
        }

        if (at <= now)
        {
            error = $"{ExpiresAtField} {at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is not in the future (now is {now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}); send a later time, or {{\"{ExpiresAtField}\": null}} for no end.";
            return false;
        }

        change = new LifetimeChange(at.ToUniversalTime());
        error = null;
        return true;
    }

    /// <summary>Why the lifetime of <paramref name="target"/> (an agent's newest provision job, not in flight) cannot be changed; null when it can.</summary>
    public static string? ChangeRefusal(Job target) => Deprovision.Refusal(target);

    /// <summary>The job with its end changed; null when it would not change (so nothing is written).</summary>
    public static Job? Apply(Job job, LifetimeChange change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(change);
        var changed = job with { ExpiresAtOverride = change.EndsAt, TtlMinutes = change.EndsAt is null ? null : job.TtlMinutes, UpdatedAt = now };
        return EndOf(changed) == EndOf(job) ? null : changed;
    }

    /// <summary>Whether an ISO-8601 time names its offset (<c>Z</c>, <c>+hh:mm</c>, <c>-hh:mm</c> after the time): a time without one would be read in the server's zone.</summary>
    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 19 && (text.LastIndexOf('+') > 10 || text.LastIndexOf('-') > 10));

    private static string Shown(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }
}

/// <summary>A new end for a server's lifetime; null: no end.</summary>
internal sealed record LifetimeChange(DateTimeOffset? EndsAt);

/// <summary>What the lifetime rules need of the settings (<c>DEFAULT_TTL_MINUTES</c>, <c>EXPIRY_WARNING_MINUTES</c>): the job model reads no settings.</summary>
/// <param name="DefaultTtlMinutes">The lifetime of a job created without <c>ttl_minutes</c>; null: no end.</param>
/// <param name="Warning">How long before the end the one <c>agent.expiring</c> notification goes out.</param>
internal sealed record LifetimePolicy(int? DefaultTtlMinutes, TimeSpan Warning);
