using System.Globalization;
using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Timing;

/// <summary><c>GET /api/stats/steps?region=&amp;days=</c> (docs/step-timing.md, "Statistics"): count, p50 and p95 per step and region.</summary>
internal sealed class StepStatsHandler(StepStatistics statistics)
{
    public const int DefaultDays = 30;

    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var days = DefaultDays;
        if (request.Query["days"] is { Count: > 0 } daysText
            && (!int.TryParse(daysText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out days) || days is < 1 or > StepStatistics.MaxDays))
        {
            return Problems.BadRequest($"days must be a whole number from 1 to {StepStatistics.MaxDays}, not \"{Cut(daysText.ToString())}\".");
        }

        var known = await statistics.RegionsAsync(cancellationToken);
        var region = request.Query["region"].ToString();
        if (region.Length > 0 && !known.Contains(region))
        {
            return Problems.BadRequest(AgentIds.IsValidRegion(region)
                ? $"No run has finished in region \"{region}\"; regions with statistics: {(known.Count == 0 ? "none yet" : string.Join(", ", known))}."
                : $"region \"{Cut(region)}\" is not valid: {AgentIds.RegionRule}.");
        }

        var steps = new List<StepStat>();
        foreach (var name in region.Length > 0 ? [region] : known)
        {
            var histograms = await statistics.ReadAsync(name, days, cancellationToken);
            steps.AddRange(StepNames.Steps
                .Where(s => histograms.ContainsKey(s.Id))
                .Select(s => (s.Id, Histogram: histograms[s.Id]))
                .Select(s => new StepStat(name, s.Id, s.Histogram.Count, s.Histogram.Percentile(0.5) ?? 0, s.Histogram.Percentile(0.95) ?? 0)));
        }

        return TypedResults.Json(new StepStats(region.Length > 0 ? region : null, days, steps), Json.Options);
    }

    private static string Cut(string value) => value.Length > 40 ? value[..40] + "…" : value;

    internal sealed record StepStats(string? Region, int Days, IReadOnlyList<StepStat> Steps);

    internal sealed record StepStat(string Region, string Step, long Count, double P50Seconds, double P95Seconds);
}
