using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when the keep window could not work.</summary>
internal sealed class KeepServerOptionsValidator : IValidateOptions<KeepServerOptions>
{
    public ValidateOptionsResult Validate(string? name, KeepServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.KeepFailedServerMinutes is >= 0 and <= KeepServerOptions.MaxMinutes
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{KeepServerOptions.KeepSetting} must be a whole number of minutes from 0 (never keep) to {KeepServerOptions.MaxMinutes}, not {options.KeepFailedServerMinutes}: it is how long the server of a run that failed at Installing Dependencies or Configuring Agent is kept for a re-run from the failed step."));
    }
}
