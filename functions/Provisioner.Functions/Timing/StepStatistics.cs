using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Timing;

/// <summary>
/// The step statistics (docs/step-timing.md, "Statistics"): kept up to date as runs finish (an
/// <see cref="IJobObserver"/>: a provision job that ended running or failed adds the steps it
/// completed to its region's row of that day), read as at most 90 rows of one region's
/// partition, never by reading jobs.
/// </summary>
internal sealed partial class StepStatistics(StorageClients storage, TimeProvider time, ILogger<StepStatistics> logger) : IJobObserver
{
    public const int MaxDays = 90;

    public Task OnChangedAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var job = change.After;
        return job.Kind == JobKind.Provision && job.Status is JobStatus.Running or JobStatus.Failed
            ? RecordAsync(job, cancellationToken)
            : Task.CompletedTask;
    }

    /// <summary>The seconds of each step a finished run completed, by step id.</summary>
    public static IReadOnlyList<(string Step, double Seconds)> CompletedSteps(Job job) =>
        [.. StepProjection.Project(job)
            .Where(s => s.State == "completed" && s.StartedAt is not null && s.CompletedAt is not null)
            .Select(s => (s.Id, Math.Max(0, (s.CompletedAt!.Value - s.StartedAt!.Value).TotalSeconds)))];

    /// <summary>
    /// Counts a finished run once: the marker row in the job's partition is added first (a 409 means
    /// it was counted), then the day's row changes under its ETag. Best effort, like the window: a
    /// failure is logged, and a run whose marker was written but whose row was not is left out.
    /// </summary>
    public async Task RecordAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var ended = job.RunningAt ?? job.Failure?.At;
        var steps = CompletedSteps(job);
        if (ended is null || steps.Count == 0)
        {
            return;
        }

        try
        {
            try
            {
                await storage.Jobs.AddEntityAsync(new StepStatsEntity { PartitionKey = job.JobId.ToString(), RowKey = StepStatsEntity.CountedRow }, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                return; // counted before
            }

            await AddRegionAsync(job.Region, cancellationToken);
            var day = Day(ended.Value);
            await ConflictRetry.RunAsync($"count the step times of job {job.JobId}", async () =>
            {
                var stored = await storage.Jobs.GetEntityIfExistsAsync<StepStatsEntity>(StepStatsEntity.PartitionPrefix + job.Region, day, cancellationToken: cancellationToken);
                var histograms = Parse(stored.HasValue ? stored.Value!.Steps : null);
                foreach (var (step, seconds) in steps)
                {
                    histograms[step] = histograms.GetValueOrDefault(step, new StepHistogram()).Add(seconds);
                }

                var entity = new StepStatsEntity
                {
                    PartitionKey = StepStatsEntity.PartitionPrefix + job.Region,
                    RowKey = day,
                    Steps = JsonSerializer.Serialize(histograms.ToDictionary(h => h.Key, h => h.Value.ToJson())),
                };
                return await TryWriteAsync(entity, stored.HasValue ? stored.Value!.ETag : null, cancellationToken) ? Round<bool>.Done(true) : Round<bool>.Conflict;
            });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotCounted(logger, job.JobId, e);
        }
    }

    /// <summary>The regions with statistics; empty when none was counted yet.</summary>
    public async Task<IReadOnlyList<string>> RegionsAsync(CancellationToken cancellationToken)
    {
        var index = await storage.Jobs.GetEntityIfExistsAsync<StepStatsEntity>(StepStatsEntity.IndexPartition, StepStatsEntity.IndexRow, cancellationToken: cancellationToken);
        return index.HasValue ? JsonSerializer.Deserialize<List<string>>(index.Value!.Regions ?? "[]") ?? [] : [];
    }

    /// <summary>One region's histograms per step, over the last <paramref name="days"/> days (today included): one range read of at most 90 rows.</summary>
    public async Task<IReadOnlyDictionary<string, StepHistogram>> ReadAsync(string region, int days, CancellationToken cancellationToken)
    {
        var from = Day(time.GetUtcNow().AddDays(1 - days));
        var partition = StepStatsEntity.PartitionPrefix + region;
        var merged = new Dictionary<string, StepHistogram>();
        await foreach (var row in storage.Jobs.QueryAsync<StepStatsEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from}"), maxPerPage: MaxDays + 1, cancellationToken: cancellationToken))
        {
            foreach (var (step, histogram) in Parse(row.Steps))
            {
                merged[step] = merged.GetValueOrDefault(step, new StepHistogram()).Merge(histogram);
            }
        }

        return merged;
    }

    private async Task AddRegionAsync(string region, CancellationToken cancellationToken) =>
        await ConflictRetry.RunAsync("add a region to the step statistics", async () =>
        {
            var stored = await storage.Jobs.GetEntityIfExistsAsync<StepStatsEntity>(StepStatsEntity.IndexPartition, StepStatsEntity.IndexRow, cancellationToken: cancellationToken);
            var regions = stored.HasValue ? JsonSerializer.Deserialize<List<string>>(stored.Value!.Regions ?? "[]") ?? [] : [];
            if (regions.Contains(region))
            {
                return Round<bool>.Done(false);
            }

            var entity = new StepStatsEntity { PartitionKey = StepStatsEntity.IndexPartition, RowKey = StepStatsEntity.IndexRow, Regions = JsonSerializer.Serialize(regions.Append(region).Order(StringComparer.Ordinal)) };
            return await TryWriteAsync(entity, stored.HasValue ? stored.Value!.ETag : null, cancellationToken) ? Round<bool>.Done(true) : Round<bool>.Conflict;
        });

    private async Task<bool> TryWriteAsync(StepStatsEntity entity, ETag? etag, CancellationToken cancellationToken)
    {
        try
        {
            if (etag is { } known)
            {
                await storage.Jobs.UpdateEntityAsync(entity, known, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await storage.Jobs.AddEntityAsync(entity, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    private static Dictionary<string, StepHistogram> Parse(string? steps) =>
        (steps is null ? null : JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, long>>>(steps))?
            .ToDictionary(s => s.Key, s => StepHistogram.FromJson(s.Value)) ?? [];

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its step times could not be counted in the statistics")]
    private static partial void LogNotCounted(ILogger logger, Guid jobId, Exception exception);
}
