using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// One row per agent in one partition of the <c>agenthealth</c> table: the index of running
/// agents the health sweeper reads, and the agent's last report. RowKey = agent id.
/// </summary>
internal sealed class AgentHealthEntity : ITableEntity
{
    public const string Partition = "agents";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public Guid JobId { get; set; }
    public DateTimeOffset? RunningAt { get; set; }
    public DateTimeOffset? LastReportAt { get; set; }

    /// <summary>The last report's status (<c>ok</c>/<c>degraded</c>).</summary>
    public string? ReportStatus { get; set; }

    /// <summary>The last report's checks as a JSON array of {name, status, message}.</summary>
    public string? ChecksJson { get; set; }

    public string? Version { get; set; }

    /// <summary>The state the sweeper last recorded (lower case), so it sees changes.</summary>
    public string? RecordedState { get; set; }
}
