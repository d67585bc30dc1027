using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Reconcile;

/// <summary>
/// The side row of a job (same partition as the job row, RowKey <see cref="Row"/>) where the
/// reconciliation keeps its last question to GitHub: kept apart from the job row so that a
/// question that changed nothing never changes the job's ETag (pollers would see a new
/// document) nor races a callback.
/// </summary>
internal sealed class ReconcileStateEntity : ITableEntity
{
    public const string Row = "reconcile";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? RunId { get; set; }
    public string? RunETag { get; set; }
    public long? GitHubRunId { get; set; }
    public string? RunStatus { get; set; }
    public string? RunConclusion { get; set; }
    public string? RunHtmlUrl { get; set; }
    public DateTimeOffset? CheckedAt { get; set; }
}
