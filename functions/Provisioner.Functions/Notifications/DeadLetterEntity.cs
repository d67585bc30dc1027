using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// A notification that was not delivered (the receiver answered <c>410</c>, or delivery gave up
/// after the configured attempts or hours), in the <c>notifydeadletters</c> table, one
/// partition, row key = <c>webhook-id</c>. Setting <see cref="Replay"/> to true sends it again
/// (docs/notifications.md, "Replaying").
/// </summary>
internal sealed class DeadLetterEntity : ITableEntity
{
    public const string Partition = "notify";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string JobId { get; set; } = "";
    public string EventRow { get; set; } = "";
    public string Type { get; set; } = "";
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset DeadAt { get; set; }
    public int Attempts { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }

    /// <summary><c>gone</c> (the receiver answered 410) or <c>gave_up</c>.</summary>
    public string Reason { get; set; } = "";

    /// <summary>Set by an operator to send the event again; the sweeper does, then removes the row.</summary>
    public bool Replay { get; set; }
}
