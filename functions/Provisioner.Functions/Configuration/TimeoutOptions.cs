using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>The three deadlines after which the sweeper gives up on a job (docs/dispatch.md, "Deadlines").</summary>
public sealed class TimeoutOptions
{
    public const string DispatchStartSetting = "DISPATCH_START_MINUTES";
    public const string SilenceSetting = "JOB_TIMEOUT_MINUTES";
    public const string MaxSetting = "JOB_MAX_MINUTES";

    /// <summary>How many minutes a dispatched job may wait for its run to report at all; fractions allowed.</summary>
    [ConfigurationKeyName(DispatchStartSetting)]
    public double DispatchStartMinutes { get; set; } = 10;

    /// <summary>How many minutes a job in flight may go without a callback or heartbeat; fractions allowed.</summary>
    [ConfigurationKeyName(SilenceSetting)]
    public double SilenceMinutes { get; set; } = 15;

    /// <summary>How many minutes a job may stay in flight in total, counted from its creation; fractions allowed.</summary>
    [ConfigurationKeyName(MaxSetting)]
    public double MaxMinutes { get; set; } = 60;

    public TimeSpan DispatchStart => TimeSpan.FromMinutes(DispatchStartMinutes);

    public TimeSpan Silence => TimeSpan.FromMinutes(SilenceMinutes);

    public TimeSpan Max => TimeSpan.FromMinutes(MaxMinutes);

    public const string CancelConfirmSetting = "CANCEL_CONFIRM_MINUTES";

    /// <summary>How many minutes a cancelling job waits for its clean-up to report <c>cancelled</c> before the sweeper ends it unconfirmed.</summary>
    [ConfigurationKeyName(CancelConfirmSetting)]
    public double CancelConfirmMinutes { get; set; } = 15;

    /// <summary>How long an in-flight entry may point at a job row that does not exist (a create that stopped half-way) before it is dropped.</summary>
    public TimeSpan OrphanGrace { get; } = TimeSpan.FromMinutes(5);
}
