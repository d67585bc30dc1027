using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when the simulated workflow could not play a run.</summary>
internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.StepDelayMilliseconds is < 0 or > 600_000)
        {
            failures.Add($"{SimulatorOptions.StepDelaySetting} must be between 0 and 600000 milliseconds, not {options.StepDelayMilliseconds}.");
        }

        if (options.Fails && options.FailAt is not ("provision" or "install" or "configure" or "remove"))
        {
            failures.Add($"{SimulatorOptions.FailAtSetting} must be empty, provision, install, configure or remove (a deprovision job), not \"{options.FailAt}\".");
        }

        if (!string.IsNullOrWhiteSpace(options.Health) && options.Health is not ("ok" or "degraded" or "silent"))
        {
            failures.Add($"{SimulatorOptions.HealthSetting} must be empty, ok, degraded or silent, not \"{options.Health}\".");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
