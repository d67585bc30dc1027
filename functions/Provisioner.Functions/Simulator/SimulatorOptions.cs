using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Simulator;

/// <summary>How the simulated workflow plays a run (used when <c>GITHUB_TOKEN</c> is empty).</summary>
public sealed class SimulatorOptions
{
    public const string StepDelaySetting = "SIMULATOR_STEP_DELAY_MS";
    public const string FailAtSetting = "SIMULATOR_FAIL_AT";

    /// <summary>The pause between two callbacks in milliseconds; the default walks a job to Running in about six seconds.</summary>
    [ConfigurationKeyName(StepDelaySetting)]
    public double StepDelayMilliseconds { get; set; } = 1000;

    public TimeSpan StepDelay => TimeSpan.FromMilliseconds(StepDelayMilliseconds);

    /// <summary>Empty for success; <c>provision</c>, <c>install</c> or <c>configure</c> to fail there, as the workflow reports it.</summary>
    [ConfigurationKeyName(FailAtSetting)]
    public string? FailAt { get; set; }

    public bool Fails => !string.IsNullOrWhiteSpace(FailAt);
}
