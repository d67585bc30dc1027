using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// One notification to send, kept in its job's partition of the <c>jobs</c> table (row key
/// <c>ev-{type}[-{key}]</c>), so a state change and the event it raises are written in one
/// entity-group transaction. The row holds the exact body that is signed on every attempt and
/// the delivery state an operator can read.
/// </summary>
internal sealed class OutboxEntity : ITableEntity
{
    public const string RowPrefix = "ev-";

    /// <summary>Row keys of the outbox lie between the prefix and this (<c>'.'</c> follows <c>'-'</c>).</summary>
    public const string RowEnd = "ev.";

    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Gone = "gone";
    public const string Dead = "dead";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The <c>webhook-id</c>: the same on every attempt, so receivers can drop duplicates.</summary>
    public string WebhookId { get; set; } = "";
    public string Type { get; set; } = "";
    public string Body { get; set; } = "";
    public DateTimeOffset RaisedAt { get; set; }

    /// <summary>When the current round of delivery began: when raised, or when last replayed. Give-up hours count from here.</summary>
    public DateTimeOffset Since { get; set; }

    /// <summary><see cref="Pending"/>, <see cref="Delivered"/>, <see cref="Gone"/> (410) or <see cref="Dead"/> (gave up).</summary>
    public string State { get; set; } = Pending;

    /// <summary>When it was put on the queue; null while only the row exists (the sweeper puts it there).</summary>
    public DateTimeOffset? EnqueuedAt { get; set; }

    public int Attempts { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    public static string Row(string type, string? key) => RowPrefix + type + (string.IsNullOrEmpty(key) ? "" : "-" + Sanitise(key));

    public static OutboxEntity Create(Guid jobId, string type, string? key, string body, DateTimeOffset raisedAt) => new()
    {
        PartitionKey = JobEntity.Key(jobId),
        RowKey = Row(type, key),
        WebhookId = "msg_" + Guid.NewGuid().ToString("N"),
        Type = type,
        Body = body,
        RaisedAt = raisedAt,
        Since = raisedAt,
    };

    /// <summary>Row keys may not hold <c>/ \ # ?</c> or control characters.</summary>
    private static string Sanitise(string key) =>
        new(key.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c).Take(200).ToArray());
}
