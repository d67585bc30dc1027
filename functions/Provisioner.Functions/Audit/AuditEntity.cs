using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Audit;

/// <summary>A row of the <c>audit</c> table: one copy of an <see cref="AuditEntry"/> in one of its partitions (<see cref="AuditLog"/>).</summary>
internal sealed class AuditEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset At { get; set; }
    public string? ActorOid { get; set; }
    public string? ActorName { get; set; }
    public string Action { get; set; } = "";
    public string Target { get; set; } = "";
    public string? AgentId { get; set; }
    public Guid? JobId { get; set; }
    public int StatusCode { get; set; }
    public string Outcome { get; set; } = "";
}
