using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// One row per job that may still be in flight, in a single partition, so the time-out timer
/// reads only these, never every job ever created. Written before the job row; removed by the
/// timer once the job is terminal (or never came to exist).
/// </summary>
internal sealed class InFlightEntity : ITableEntity
{
    public const string Partition = "inflight";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
