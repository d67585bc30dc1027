using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Timing;

/// <summary>
/// One window of step durations in the <c>jobs</c> table: PartitionKey
/// <c>steptimes|{region}</c> (never a job id, so no job read meets it), RowKey the install
/// mode, the window as JSON. Kept in the jobs table so no new table needs creating.
/// </summary>
internal sealed class StepTimingEntity : ITableEntity
{
    public const string PartitionPrefix = "steptimes|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary><c>[{"job_id": "…", "seconds": [q, c, i, cf, r]}, …]</c>, oldest first.</summary>
    public string Window { get; set; } = "[]";
}
