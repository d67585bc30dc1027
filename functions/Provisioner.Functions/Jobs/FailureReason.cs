namespace Provisioner.Functions.Jobs;

/// <summary>
/// Why a job failed, for a program to tell failures apart (the status document's
/// <c>error.reason</c>, docs/api.md). The message says the same for a person.
/// </summary>
internal enum FailureReason
{
    /// <summary>The workflow run reported the failure itself.</summary>
    Workflow,

    /// <summary>The run's clean-up reported <c>cancelled</c> for a job nobody asked to cancel: the run reached its time limit (or was cancelled on GitHub by hand).</summary>
    TimedOut,

    /// <summary>GitHub refused the dispatch for good, every delivery of the dispatch message failed, or the job could not be queued.</summary>
    DispatchFailed,

    /// <summary>Dispatched, but no run reported within <c>DISPATCH_START_MINUTES</c>.</summary>
    DispatchNotStarted,

    /// <summary>No callback or heartbeat for <c>JOB_TIMEOUT_MINUTES</c>.</summary>
    Silent,

    /// <summary>Still in flight <c>JOB_MAX_MINUTES</c> after it was created.</summary>
    TooLong,

    /// <summary>GitHub says the run completed with <c>failure</c> (or another conclusion that is not a success), or succeeded without the run reporting <c>running</c>.</summary>
    GitHubFailed,

    /// <summary>GitHub says the run was cancelled.</summary>
    GitHubCancelled,

    /// <summary>GitHub says the run hit its time limit.</summary>
    GitHubTimedOut,

    /// <summary>GitHub has no run for the job: the dispatch started none, or it was deleted.</summary>
    GitHubRunMissing,
}
