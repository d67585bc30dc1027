namespace Provisioner.Functions.Dispatch;

/// <summary>Starts a provisioning workflow run: on GitHub, or the simulated one when no token is configured.</summary>
internal interface IWorkflowDispatcher
{
    /// <summary>Transient failures that outlast the retries are thrown, so the queue delivers the message again.</summary>
    Task<DispatchOutcome> DispatchAsync(WorkflowInputs inputs, CancellationToken cancellationToken);
}
