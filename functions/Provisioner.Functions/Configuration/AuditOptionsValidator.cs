using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when the retention is not a whole number of days from 1.</summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.RetentionDays is < 1 or > AuditOptions.MaxRetentionDays
            ? ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{AuditOptions.RetentionSetting} must be a whole number of days from 1 to {AuditOptions.MaxRetentionDays}, not {options.RetentionDays}."))
            : ValidateOptionsResult.Success;
    }
}
