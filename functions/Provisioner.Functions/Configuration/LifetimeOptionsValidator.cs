using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when a lifetime setting is out of range.</summary>
internal sealed class LifetimeOptionsValidator : IValidateOptions<LifetimeOptions>
{
    public ValidateOptionsResult Validate(string? name, LifetimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DefaultTtlMinutes is { } ttl && ttl is < 1 or > LifetimeOptions.MaxMinutes)
        {
            return ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{LifetimeOptions.DefaultTtlSetting} must be empty (no end) or a whole number of minutes from 1 to {LifetimeOptions.MaxMinutes}, not {ttl}: it is the lifetime, counted from Running, of a server whose job did not ask for one."));
        }

        return options.ExpiryWarningMinutes is >= 0 and <= LifetimeOptions.MaxMinutes
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{LifetimeOptions.WarningSetting} must be a whole number of minutes from 0 (no warning) to {LifetimeOptions.MaxMinutes}, not {options.ExpiryWarningMinutes}: it is how long before a server's end the agent.expiring notification goes out."));
    }
}
