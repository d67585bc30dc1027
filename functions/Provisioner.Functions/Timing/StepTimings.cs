using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Timing;

/// <summary>
/// Keeps and reads the windows of step durations per region and install mode (<see cref="StepWindow"/>).
/// A status document takes its window from memory (<see cref="CachedAsync"/>): a window changes
/// only when a run reaches running, so it is replaced here when that happens in this process and
/// read again after <see cref="Freshness"/> otherwise (docs/step-timing.md, "Where the window is read").
/// </summary>
internal sealed partial class StepTimings(StorageClients storage, ILogger<StepTimings> logger, TimeProvider time) : IJobObserver
{
    /// <summary>How long a window read from storage is used before it is read again (a run finished in another process).</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<(string Region, string Mode), Cached> _cache = new();

    /// <summary>Observes jobs: one that has just reached running adds its step times (docs/step-timing.md).</summary>
    public Task OnChangedAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.Changed && change.After.Status == JobStatus.Running ? RecordAsync(change.After, cancellationToken) : Task.CompletedTask;
    }

    private static readonly JsonSerializerOptions Wire = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<StepWindow> ReadAsync(string region, string mode, CancellationToken cancellationToken) =>
        (await ReadEntityAsync(region, mode, cancellationToken)).Window;

    /// <summary>The window from memory while it is fresh; otherwise one point read, kept for the next callers.</summary>
    public async ValueTask<StepWindow> CachedAsync(string region, string mode, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue((region, mode), out var cached) && now - cached.ReadAt < Freshness && now >= cached.ReadAt)
        {
            return cached.Window;
        }

        var window = await ReadAsync(region, mode, cancellationToken);
        Keep(region, mode, window, now);
        return window;
    }

    /// <summary>
    /// Adds a job that reached running to its window, once (the window knows the jobs it holds),
    /// under the row's ETag. Best effort: the job's callback has been applied already and must
    /// not fail because a statistic could not be written, so a failure is logged, not thrown.
    /// </summary>
    public async Task RecordAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (StepWindow.SampleOf(job) is not { } sample)
        {
            return;
        }

        var mode = InstallModes.Of(job);
        try
        {
            await ConflictRetry.RunAsync($"record the step timings of job {job.JobId}", async () =>
            {
                var (window, etag) = await ReadEntityAsync(job.Region, mode, cancellationToken);
                if (window.Holds(job.JobId))
                {
                    Keep(job.Region, mode, window, time.GetUtcNow());
                    return Round<bool>.Done(false);
                }

                var next = window.Add(sample);

                var entity = new StepTimingEntity
                {
                    PartitionKey = StepTimingEntity.PartitionPrefix + job.Region,
                    RowKey = mode,
                    Window = JsonSerializer.Serialize(next.Samples.Select(s => new SampleJson(s.JobId, s.Seconds)), Wire),
                };
                try
                {
                    if (etag is { } known)
                    {
                        await storage.Jobs.UpdateEntityAsync(entity, known, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
                    }
                    else
                    {
                        await storage.Jobs.AddEntityAsync(entity, cancellationToken);
                    }

                    Keep(job.Region, mode, next, time.GetUtcNow()); // this process's documents see the run at once
                    return Round<bool>.Done(true);
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412)
                {
                    return Round<bool>.Conflict;
                }
            });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotRecorded(logger, job.JobId, e);
        }
    }

    private async Task<(StepWindow Window, ETag? ETag)> ReadEntityAsync(string region, string mode, CancellationToken cancellationToken)
    {
        var response = await storage.Jobs.GetEntityIfExistsAsync<StepTimingEntity>(StepTimingEntity.PartitionPrefix + region, mode, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return (StepWindow.Empty, null);
        }

        var samples = JsonSerializer.Deserialize<List<SampleJson>>(response.Value!.Window, Wire) ?? [];
        return (new StepWindow(samples.Where(s => s.Seconds is { Count: 5 }).Select(s => new StepSample(s.JobId, s.Seconds)).ToList()), response.Value.ETag);
    }

    private sealed record SampleJson(Guid JobId, IReadOnlyList<double> Seconds);

    private sealed record Cached(StepWindow Window, DateTimeOffset ReadAt);

    // Modes are short words, regions the few a deployment serves; a bound all the same.
    private void Keep(string region, string mode, StepWindow window, DateTimeOffset at)
    {
        if (_cache.Count >= 1024)
        {
            _cache.Clear();
        }

        _cache[(region, mode)] = new Cached(window, at);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its step timings could not be recorded; estimates go without them")]
    private static partial void LogNotRecorded(ILogger logger, Guid jobId, Exception exception);
}
