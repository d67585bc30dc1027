namespace Provisioner.Functions.Simulator;

/// <summary>How the simulated workflow plays a run (used when <c>GITHUB_TOKEN</c> is empty).</summary>
public sealed class SimulatorOptions
{
    public const string StepDelaySetting = "SIMULATOR_STEP_DELAY_MS";
    public const string FailAtSetting = "SIMULATOR_FAIL_AT";

    /// <summary>The pause between two callbacks; the default walks a job to Running in about six seconds.</summary>
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Empty for success; <c>provision</c>, <c>install</c> or <c>configure</c> to fail there, as the workflow reports it.</summary>
    public string? FailAt { get; set; }
}
