namespace Provisioner.Functions.Jobs;

/// <param name="DispatchStart">From dispatch to the run's first callback (<c>DISPATCH_START_MINUTES</c>).</param>
/// <param name="Silence">From the last sign of life, while the run has started or the job waits for dispatch (<c>JOB_TIMEOUT_MINUTES</c>).</param>
/// <param name="Total">From creation, whatever happens (<c>JOB_MAX_MINUTES</c>).</param>
internal sealed record DeadlineLimits(TimeSpan DispatchStart, TimeSpan Silence, TimeSpan Total)
{
    // The settings' names, for the messages of a missed deadline (the job model reads no settings;
    // a test holds these equal to the options class's).
    public const string DispatchStartSetting = "DISPATCH_START_MINUTES";
    public const string SilenceSetting = "JOB_TIMEOUT_MINUTES";
    public const string MaxSetting = "JOB_MAX_MINUTES";
}
