using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// The agent's lock and pointer: PartitionKey = agent id. <see cref="ActiveJobId"/> is the job
/// that holds the agent; it is released lazily: a later create sees that job terminal and
/// replaces it, guarded by this row's ETag, so two creates cannot both win.
/// </summary>
internal sealed class AgentEntity : ITableEntity
{
    public const string Row = "agent";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public Guid? ActiveJobId { get; set; }
    public Guid? NewestJobId { get; set; }

    /// <summary>
    /// The deprovision job that holds (or last held) the agent to remove its server; a tear down
    /// leaves <see cref="NewestJobId"/> on the provision job. A create or retry writes the row
    /// afresh without it.
    /// </summary>
    public Guid? TearDownJobId { get; set; }
}
