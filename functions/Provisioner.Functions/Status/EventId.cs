using System.Globalization;

namespace Provisioner.Functions.Status;

/// <summary>
/// The <c>id:</c> of a job event (docs/events.md): the job row's version in Unix milliseconds
/// times 1000, plus how many changes of the document the stream saw since that version without
/// the row changing (a step turning slow as time passes). So ids increase along a stream and
/// across streams, and any instance can tell from an id alone whether the job changed since.
/// </summary>
internal readonly record struct EventId(long RowMilliseconds, int Sequence)
{
    /// <summary>Room for changes of the document under one row version; far more than a clock can make.</summary>
    public const int PerVersion = 1000;

    public long Value => (RowMilliseconds * PerVersion) + Sequence;

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The id of the document of a row version, as the first event of a stream carries it.</summary>
    public static EventId Of(DateTimeOffset version) => new(Math.Max(0, version.ToUnixTimeMilliseconds()), 0);

    /// <summary>The id of the next change: a newer row version starts again at 0, the same one counts on.</summary>
    public EventId Next(DateTimeOffset version)
    {
        var row = version.ToUnixTimeMilliseconds();
        return row > RowMilliseconds ? new EventId(row, 0) : this with { Sequence = Math.Min(Sequence + 1, PerVersion - 1) };
    }

    /// <summary>A <c>Last-Event-ID</c> as an id; null when it is absent or not a number this server could have sent.</summary>
    public static EventId? Parse(string? header) =>
        long.TryParse(header?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? new EventId(value / PerVersion, (int)(value % PerVersion))
            : null;

    /// <summary>
    /// Where a stream starts for a caller that last saw <paramref name="last"/>: null when it must
    /// be sent the current document first (no id, an id of an older row version, or one that is not
    /// ours: ahead of the row); otherwise the id to count on from, as the caller holds this version.
    /// </summary>
    public static EventId? ResumeFrom(EventId? last, DateTimeOffset version) =>
        last is { } seen && seen.RowMilliseconds == version.ToUnixTimeMilliseconds() ? seen : null;
}
