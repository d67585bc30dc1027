namespace Provisioner.Functions.Jobs;

/// <summary>The overall state of a job, as the status document names it.</summary>
internal enum JobStatus
{
    Queued,
    Provisioning,
    Running,
    Failed,
    Cancelling,
    Cancelled,
}
