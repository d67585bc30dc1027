using Microsoft.Extensions.Options;

namespace Provisioner.Functions.TimeOuts;

/// <summary>Stops start-up, naming the setting, when the silence limit could not work.</summary>
public sealed class TimeoutOptionsValidator : IValidateOptions<TimeoutOptions>
{
    public ValidateOptionsResult Validate(string? name, TimeoutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SilenceMinutes is > 0 and <= 24 * 60
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{TimeoutOptions.SilenceSetting} must be more than 0 and at most 1440 minutes (fractions allowed), not {options.SilenceMinutes}: it is how long a job may stay silent before it is failed.");
    }
}
