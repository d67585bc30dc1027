using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// One entry of a job list (the <c>jobindex</c> table): PartitionKey names the list (see
/// <see cref="JobIndex"/>), RowKey orders it newest first. The entry holds no job data: the list
/// reads the job row itself, so an entry never goes out of date, it can only be out of place.
/// </summary>
internal sealed class JobIndexEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}
