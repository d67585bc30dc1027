using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>An Idempotency-Key (PartitionKey = SHA-256 of the key in its scope, hex) and the job it stands for.</summary>
internal sealed class IdempotencyEntity : ITableEntity
{
    public const string Row = "key";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public Guid JobId { get; set; }
    public string AgentId { get; set; } = "";
    public string Region { get; set; } = "";

    /// <summary>When the key was reserved; it stands for its request <see cref="IdempotencyKeys.Lifetime"/> from then.</summary>
    public DateTimeOffset? CreatedAt { get; set; }
}
