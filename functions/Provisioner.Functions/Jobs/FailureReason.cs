namespace Provisioner.Functions.Jobs;

/// <summary>
/// Why a job failed, for a program to tell failures apart (the status document's
/// <c>error.reason</c>, docs/api.md). The message says the same for a person.
/// </summary>
public enum FailureReason
{
    /// <summary>The workflow run reported the failure itself.</summary>
    Workflow,

    /// <summary>GitHub refused the dispatch for good, every delivery of the dispatch message failed, or the job could not be queued.</summary>
    DispatchFailed,

    /// <summary>Dispatched, but no run reported within <c>DISPATCH_START_MINUTES</c>.</summary>
    DispatchNotStarted,

    /// <summary>No callback or heartbeat for <c>JOB_TIMEOUT_MINUTES</c>.</summary>
    Silent,

    /// <summary>Still in flight <c>JOB_MAX_MINUTES</c> after it was created.</summary>
    TooLong,
}
