using System.Diagnostics;
using System.Globalization;

namespace Provisioner.Bench;

/// <summary>Prints one figure a line, <c>name=value</c>, in the invariant culture; remarks start with <c>#</c>.</summary>
internal static class Report
{
    public static int Errors { get; private set; }

    public static void Figure(string name, double value, string format = "0.00") =>
        Console.WriteLine($"{name}={value.ToString(format, CultureInfo.InvariantCulture)}");

    public static void Figure(string name, string value) => Console.WriteLine($"{name}={value}");

    public static void Remark(string text) => Console.WriteLine("# " + text);

    public static void CountErrors(int errors) => Errors += errors;
}

/// <summary>
/// A baseline (the raw storage calls) and a candidate (the same through the backend) measured
/// side by side: short slices in ABBA order (baseline, candidate, candidate, baseline), so the
/// machine's load, and its drift within a block, hits both alike. Each block gives one ratio
/// (candidate over baseline requests per second); the median over blocks is the figure, the
/// quartiles its spread. The p99 ratio is taken over all slices of each side pooled: a p99 of
/// one block's two thousand requests is decided by whichever side a burst from another process
/// hit, a p99 of every block's requests together is not (the per-block ratios give its spread). Blocks repeat until both quartiles lie
/// within ±<see cref="BenchOptions.Tolerance"/> of the median (after at least
/// <see cref="BenchOptions.MinPairs"/> blocks) or the time cap is reached.
/// </summary>
internal static class Comparison
{
    public static async Task RunAsync(
        BenchOptions options,
        string ratioName,
        string baselineName,
        Func<int, Task<bool>> baseline,
        string candidateName,
        Func<int, Task<bool>> candidate,
        string? p99RatioName = null)
    {
        await LoadLoop.WarmUpAsync(options.Concurrency, baseline);
        await LoadLoop.WarmUpAsync(options.Concurrency, candidate);

        var throughput = new List<double>();
        var p99 = new List<double>();
        var baselineSlices = new List<Slice>();
        var candidateSlices = new List<Slice>();
        var clock = Stopwatch.StartNew();
        bool throughputConverged, p99Converged;
        while (true)
        {
            var a1 = await LoadLoop.RunAsync(options.Concurrency, options.Slice, baseline);
            var b1 = await LoadLoop.RunAsync(options.Concurrency, options.Slice, candidate);
            var b2 = await LoadLoop.RunAsync(options.Concurrency, options.Slice, candidate);
            var a2 = await LoadLoop.RunAsync(options.Concurrency, options.Slice, baseline);
            baselineSlices.AddRange([a1, a2]);
            candidateSlices.AddRange([b1, b2]);
            throughput.Add(Rate(b1, b2) / Rate(a1, a2));
            p99.Add(Statistics.Percentile(b1.LatenciesMs.Concat(b2.LatenciesMs), 0.99) / Statistics.Percentile(a1.LatenciesMs.Concat(a2.LatenciesMs), 0.99));

            throughputConverged = throughput.Count >= options.MinPairs && WithinTolerance(throughput, options.Tolerance);
            p99Converged = p99.Count >= options.MinPairs && WithinTolerance(p99, options.Tolerance);
            // A pooled p99 wants more requests than a throughput ratio: twice the minimum of blocks.
            var enoughForP99 = p99RatioName is null || p99.Count >= 2 * options.MinPairs;
            if ((throughputConverged && enoughForP99) || clock.Elapsed >= options.Cap)
            {
                break;
            }
        }

        Side(ratioName, baselineName, baselineSlices);
        Side(ratioName, candidateName, candidateSlices);
        Ratio(ratioName, throughput, throughputConverged, clock.Elapsed, options);
        if (p99RatioName is not null)
        {
            var pooled = Statistics.Percentile(candidateSlices.SelectMany(s => s.LatenciesMs), 0.99) / Statistics.Percentile(baselineSlices.SelectMany(s => s.LatenciesMs), 0.99);
            Report.Figure(p99RatioName, pooled);
            Ratio($"{p99RatioName}_per_block", p99, p99Converged, clock.Elapsed, options);
        }
    }

    private static double Rate(Slice first, Slice second) =>
        (first.Requests + second.Requests) / (first.Elapsed + second.Elapsed).TotalSeconds;

    private static bool WithinTolerance(List<double> ratios, double tolerance)
    {
        var median = Statistics.Quantile(ratios, 0.5);
        return Statistics.Quantile(ratios, 0.25) >= median * (1 - tolerance) && Statistics.Quantile(ratios, 0.75) <= median * (1 + tolerance);
    }

    private static void Side(string ratioName, string name, List<Slice> slices)
    {
        var requests = slices.Sum(s => s.Requests);
        var errors = slices.Sum(s => s.Errors);
        Report.CountErrors(errors);
        var latencies = slices.SelectMany(s => s.LatenciesMs).ToArray();
        Report.Figure($"{ratioName}.{name}_rps", requests / slices.Sum(s => s.Elapsed.TotalSeconds), "0");
        Report.Figure($"{ratioName}.{name}_p50_ms", Statistics.Percentile(latencies, 0.50));
        Report.Figure($"{ratioName}.{name}_p99_ms", Statistics.Percentile(latencies, 0.99));
        Report.Figure($"{ratioName}.{name}_requests", requests, "0");
        Report.Figure($"{ratioName}.{name}_errors", errors, "0");
    }

    private static void Ratio(string name, List<double> ratios, bool converged, TimeSpan elapsed, BenchOptions options)
    {
        var median = Statistics.Quantile(ratios, 0.5);
        var q1 = Statistics.Quantile(ratios, 0.25);
        var q3 = Statistics.Quantile(ratios, 0.75);
        Report.Figure(name, median);
        Report.Figure($"{name}_q1", q1);
        Report.Figure($"{name}_q3", q3);
        Report.Figure($"{name}_iqr_pct", 100 * Math.Max(median - q1, q3 - median) / median, "0.0");
        Report.Figure($"{name}_min", ratios.Min());
        Report.Figure($"{name}_max", ratios.Max());
        if (Statistics.MedianConfidenceInterval(ratios) is var (low, high))
        {
            Report.Figure($"{name}_median_ci95_pct", 100 * Math.Max(median - low, high - median) / median, "0.0");
        }

        Report.Figure($"{name}_pairs", ratios.Count, "0");
        Report.Figure($"{name}_within_{options.Tolerance * 100:0}pct", converged ? "true" : "false");
        if (!converged)
        {
            Report.Remark(FormattableString.Invariant(
                $"{name}: the spread is NOT within ±{options.Tolerance * 100:0}% of the median after {ratios.Count} ABBA pairs ({elapsed.TotalSeconds:0} s of slices, the cap): this machine was too noisy for a ±{options.Tolerance * 100:0}% figure"));
        }
    }
}
