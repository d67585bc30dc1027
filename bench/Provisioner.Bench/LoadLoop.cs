using System.Diagnostics;

namespace Provisioner.Bench;

/// <summary>One measured figure: a closed loop of <c>concurrency</c> workers for a fixed time.</summary>
internal sealed record Figure(string Name, int Requests, TimeSpan Elapsed, double P50Ms, double P99Ms, int Errors)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public override string ToString() =>
        FormattableString.Invariant($"{Name,-34} rps={RequestsPerSecond,8:0}  p50_ms={P50Ms,6:0.00}  p99_ms={P99Ms,6:0.00}  requests={Requests}  errors={Errors}");
}

internal static class LoadLoop
{
    /// <param name="operation">One request; gets the worker's index. Returns false for an error.</param>
    public static async Task<Figure> RunAsync(string name, int concurrency, TimeSpan duration, Func<int, Task<bool>> operation)
    {
        // Warm-up: connections, JIT, caches.
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            for (var i = 0; i < 20; i++)
            {
                await operation(w);
            }
        }));

        var latencies = new List<double>[concurrency];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(100_000);
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await operation(w);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var elapsed = clock.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Figure(name, all.Length, elapsed, Percentile(all, 0.50), Percentile(all, 0.99), errors);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
