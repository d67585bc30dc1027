using System.Globalization;

namespace Provisioner.Functions.Timing;

/// <summary>
/// Durations of one step as counts per logarithmic bucket (each 5% wider than the one before,
/// from 0.1 s), so a day's row stays the same size however many runs it counts, and p50/p95
/// come out within 2.5% of the exact value. Pure; merged across days and regions by adding.
/// </summary>
internal sealed class StepHistogram
{
    private const double Smallest = 0.1;
    private static readonly double Growth = Math.Log(1.05);

    private readonly SortedDictionary<int, long> _counts;

    public StepHistogram(IReadOnlyDictionary<int, long>? counts = null) =>
        _counts = new SortedDictionary<int, long>(counts?.Where(c => c.Value > 0).ToDictionary(c => c.Key, c => c.Value) ?? []);

    public long Count => _counts.Values.Sum();

    public IReadOnlyDictionary<int, long> Counts => _counts;

    public static int BucketOf(double seconds) =>
        seconds <= Smallest ? 0 : (int)Math.Floor(Math.Log(seconds / Smallest) / Growth) + 1;

    /// <summary>The middle of a bucket, in seconds (on the log scale), rounded to a tenth.</summary>
    public static double ValueOf(int bucket) =>
        bucket == 0 ? 0 : Math.Round(Smallest * Math.Exp((bucket - 0.5) * Growth), 1);

    public StepHistogram Add(double seconds)
    {
        var next = new StepHistogram(_counts);
        var bucket = BucketOf(seconds);
        next._counts[bucket] = next._counts.GetValueOrDefault(bucket) + 1;
        return next;
    }

    public StepHistogram Merge(StepHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var next = new StepHistogram(_counts);
        foreach (var (bucket, count) in other._counts)
        {
            next._counts[bucket] = next._counts.GetValueOrDefault(bucket) + count;
        }

        return next;
    }

    /// <summary>The nearest-rank percentile (<paramref name="p"/> in 0..1), as its bucket's middle; null when empty.</summary>
    public double? Percentile(double p)
    {
        var total = Count;
        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(p * total));
        long seen = 0;
        foreach (var (bucket, count) in _counts)
        {
            seen += count;
            if (seen >= rank)
            {
                return ValueOf(bucket);
            }
        }

        return ValueOf(_counts.Keys.Last());
    }

    /// <summary>As stored: <c>{"bucket": count, …}</c>.</summary>
    public Dictionary<string, long> ToJson() => _counts.ToDictionary(c => c.Key.ToString(CultureInfo.InvariantCulture), c => c.Value);

    public static StepHistogram FromJson(IReadOnlyDictionary<string, long>? json) =>
        new(json?.Where(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)).ToDictionary(c => int.Parse(c.Key, CultureInfo.InvariantCulture), c => c.Value));
}
