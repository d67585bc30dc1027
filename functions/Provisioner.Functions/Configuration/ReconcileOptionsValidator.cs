using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when reconciliation could not work.</summary>
internal sealed class ReconcileOptionsValidator : IValidateOptions<ReconcileOptions>
{
    public ValidateOptionsResult Validate(string? name, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AfterMinutes is > 0 and <= 24 * 60
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{ReconcileOptions.AfterSetting} must be more than 0 and at most 1440 minutes (fractions allowed), not {options.AfterMinutes}: it is how long a job may be silent before the backend asks GitHub about its run."));
    }
}
