using System.Diagnostics;

namespace Provisioner.Bench;

/// <summary>One slice of a measurement: a closed loop of workers for a short, fixed time.</summary>
internal sealed record Slice(int Requests, TimeSpan Elapsed, double[] LatenciesMs, int Errors)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;
}

internal static class LoadLoop
{
    /// <summary>Connections, JIT, caches: <paramref name="perWorker"/> requests per worker, not measured.</summary>
    public static Task WarmUpAsync(int concurrency, Func<int, Task<bool>> operation, int perWorker = 20) =>
        Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            for (var i = 0; i < perWorker; i++)
            {
                await operation(w);
            }
        }));

    /// <summary>
    /// <paramref name="concurrency"/> workers, each sending its next request as soon as the last
    /// answered, until <paramref name="duration"/> has passed; requests in flight then finish and count.
    /// </summary>
    /// <param name="operation">One request; gets the worker's index. Returns false for an error.</param>
    public static async Task<Slice> RunAsync(int concurrency, TimeSpan duration, Func<int, Task<bool>> operation)
    {
        var latencies = new List<double>[concurrency];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(4096);
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
        return new Slice(latencies.Sum(l => l.Count), elapsed, [.. latencies.SelectMany(l => l)], errors);
    }
}
