namespace Provisioner.Bench;

internal static class Statistics
{
    /// <summary>The nearest-rank percentile (<paramref name="p"/> in 0..1) of unsorted values; NaN when there are none.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The quantile by linear interpolation between order statistics (as numpy's default), for the median and quartiles of a few values.</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }

    /// <summary>
    /// A distribution-free 95% confidence interval of the median: the order statistics whose ranks
    /// n/2 ± 0.98·√n bracket it (the binomial(n, ½) normal approximation). Null below 6 values.
    /// </summary>
    public static (double Low, double High)? MedianConfidenceInterval(IReadOnlyList<double> values)
    {
        var n = values.Count;
        if (n < 6)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var half = 0.98 * Math.Sqrt(n);
        var low = Math.Max(0, (int)Math.Floor((n / 2.0) - half) - 1);
        var high = Math.Min(n - 1, (int)Math.Ceiling((n / 2.0) + half));
        return (sorted[low], sorted[high]);
    }
}
