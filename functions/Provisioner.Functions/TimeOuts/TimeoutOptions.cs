using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.TimeOuts;

/// <summary>When the sweeper gives up on a job (docs/api.md, "Time-outs").</summary>
public sealed class TimeoutOptions
{
    public const string SilenceSetting = "JOB_TIMEOUT_MINUTES";

    /// <summary>How many minutes a job in flight may go without a callback or heartbeat; fractions allowed.</summary>
    [ConfigurationKeyName(SilenceSetting)]
    public double SilenceMinutes { get; set; } = 15;

    public TimeSpan Silence => TimeSpan.FromMinutes(SilenceMinutes);

    /// <summary>How long an in-flight entry may point at a job row that does not exist (a create that stopped half-way) before it is dropped.</summary>
    public TimeSpan OrphanGrace { get; } = TimeSpan.FromMinutes(5);
}
