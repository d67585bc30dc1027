namespace Provisioner.Functions.TimeOuts;

public sealed class TimeoutOptions
{
    public const string SilenceSetting = "JOB_TIMEOUT_MINUTES";

    /// <summary>How long a job in flight may go without a callback or heartbeat (CONTRACT.md section 4).</summary>
    public TimeSpan Silence { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an in-flight entry may point at a job row that does not exist (a create that stopped half-way) before it is dropped.</summary>
    public TimeSpan OrphanGrace { get; set; } = TimeSpan.FromMinutes(5);
}
