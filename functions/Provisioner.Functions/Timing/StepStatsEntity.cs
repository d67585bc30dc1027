using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Timing;

/// <summary>
/// A row of the step statistics in the <c>jobs</c> table (docs/step-timing.md, "Statistics"):
/// PartitionKey <c>stepstats|{region}</c>, RowKey the UTC day (<c>yyyyMMdd</c>) the runs ended,
/// <see cref="Steps"/> the histograms; or the index row (<see cref="IndexPartition"/>,
/// <see cref="IndexRow"/>) whose <see cref="Regions"/> lists every region with a row. A job's own
/// partition gets a <see cref="CountedRow"/> marker once its run is counted.
/// </summary>
internal sealed class StepStatsEntity : ITableEntity
{
    public const string PartitionPrefix = "stepstats|";
    public const string IndexPartition = "stepstats-index";
    public const string IndexRow = "regions";
    public const string CountedRow = "stepstats";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary><c>{"creating": {"bucket": count, …}, …}</c>: the day's durations per step (<see cref="StepHistogram"/>).</summary>
    public string? Steps { get; set; }

    /// <summary>The index row: <c>["eu-central", …]</c>.</summary>
    public string? Regions { get; set; }
}
