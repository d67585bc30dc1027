using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// One accepted callback, kept as received (append-only) in its job's partition. The row key
/// is derived from the callback's identity, so a second copy cannot be added: that is how a
/// duplicate is recognised, in the same transaction that would apply it.
/// </summary>
internal sealed class CallbackEntity : ITableEntity
{
    public const string RowPrefix = "cb-";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
    public string Scheme { get; set; } = "";
    public string? WebhookId { get; set; }
    public string Kind { get; set; } = "";

    /// <summary>Whether the callback changed the projection (false: late, or the job was already terminal).</summary>
    public bool Applied { get; set; }

    /// <summary>The raw body (at most 64 KiB, the binary property limit).</summary>
    public byte[] Body { get; set; } = [];

    public static CallbackEntity From(CallbackRecord record, bool applied)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new CallbackEntity
        {
            PartitionKey = JobEntity.Key(record.JobId),
            RowKey = RowPrefix + record.DedupeKey,
            ReceivedAt = record.ReceivedAt,
            Scheme = record.Scheme,
            WebhookId = record.WebhookId,
            Kind = record.Kind,
            Applied = applied,
            Body = record.Body.ToArray(),
        };
    }
}
