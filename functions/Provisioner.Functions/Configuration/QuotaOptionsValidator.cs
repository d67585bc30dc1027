using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when a quota is not a whole number from 1.</summary>
internal sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (setting, value) in new[] { (QuotaOptions.ServersSetting, options.ServersPerPerson), (QuotaOptions.CreatesSetting, options.CreatesPerHourPerPerson) })
        {
            if (value is { } n && n is < 1 or > QuotaOptions.Max)
            {
                return ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{setting} must be empty (no quota) or a whole number from 1 to {QuotaOptions.Max}, not {n}."));
            }
        }

        return ValidateOptionsResult.Success;
    }
}
