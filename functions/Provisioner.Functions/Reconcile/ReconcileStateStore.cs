using Azure.Data.Tables;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Reconcile;

/// <summary>Reads and writes a job's <see cref="ReconcileStateEntity"/> (point operations only). Only the sweeper writes it.</summary>
internal sealed class ReconcileStateStore(StorageClients storage)
{
    public async Task<ReconcileState> ReadAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var response = await storage.Jobs.GetEntityIfExistsAsync<ReconcileStateEntity>(JobEntity.Key(jobId), ReconcileStateEntity.Row, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return ReconcileState.None;
        }

        var e = response.Value!;
        var run = e.GitHubRunId is { } id && e.RunStatus is { } status ? new WorkflowRun(id, status, e.RunConclusion, e.RunHtmlUrl) : null;
        return new ReconcileState(e.RunId, e.RunETag, run, e.CheckedAt);
    }

    public async Task WriteAsync(Guid jobId, ReconcileState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        await storage.Jobs.UpsertEntityAsync(
            new ReconcileStateEntity
            {
                PartitionKey = JobEntity.Key(jobId),
                RunId = state.RunId,
                RunETag = state.ETag,
                GitHubRunId = state.Run?.Id,
                RunStatus = state.Run?.Status,
                RunConclusion = state.Run?.Conclusion,
                RunHtmlUrl = state.Run?.HtmlUrl,
                CheckedAt = state.CheckedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }
}
