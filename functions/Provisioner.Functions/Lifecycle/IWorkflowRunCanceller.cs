namespace Provisioner.Functions.Lifecycle;

/// <summary>Cancels a workflow run: on GitHub, or the simulated one when no token is configured.</summary>
internal interface IWorkflowRunCanceller
{
    /// <summary>True when the run was asked to stop (or had stopped already); false when it cannot be found. Transient failures are thrown.</summary>
    Task<bool> CancelAsync(string runId, CancellationToken cancellationToken);
}
