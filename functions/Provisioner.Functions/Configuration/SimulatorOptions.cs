using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>How the simulated workflow plays a run (used when <c>GITHUB_TOKEN</c> is empty).</summary>
public sealed class SimulatorOptions
{
    public const string StepDelaySetting = "SIMULATOR_STEP_DELAY_MS";
    public const string FailAtSetting = "SIMULATOR_FAIL_AT";
    public const string HealthSetting = "SIMULATOR_HEALTH";

    /// <summary>The pause between two callbacks in milliseconds; the default walks a job to Running in about six seconds.</summary>
    [ConfigurationKeyName(StepDelaySetting)]
    public double StepDelayMilliseconds { get; set; } = 1000;

    public TimeSpan StepDelay => TimeSpan.FromMilliseconds(StepDelayMilliseconds);

    /// <summary>
    /// Empty for success; <c>provision</c>, <c>install</c> or <c>configure</c> to fail there, as the
    /// workflow reports it (a failure at install or configure keeps the simulated server for
    /// <c>KEEP_FAILED_SERVER_MINUTES</c>). Runs from the start only: a re-run from the failed step runs clean. <c>remove</c> fails every deprovision job.
    /// </summary>
    [ConfigurationKeyName(FailAtSetting)]
    public string? FailAt { get; set; }

    public bool Fails => !string.IsNullOrWhiteSpace(FailAt);

    /// <summary>What the simulated agent reports once running: <c>ok</c> (the default), <c>degraded</c>, or <c>silent</c> (no reports: it becomes unreachable).</summary>
    [ConfigurationKeyName(HealthSetting)]
    public string? Health { get; set; }

    /// <summary>How often the simulated agent reports: just over the backend's 10-second floor, so the page moves quickly (the real agent reports every 60 s).</summary>
    public TimeSpan HealthInterval { get; } = TimeSpan.FromSeconds(12);
}
