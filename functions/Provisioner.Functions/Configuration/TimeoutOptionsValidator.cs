using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when a deadline could not work.</summary>
internal sealed class TimeoutOptionsValidator : IValidateOptions<TimeoutOptions>
{
    private const double MaxMinutes = 24 * 60;

    public ValidateOptionsResult Validate(string? name, TimeoutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, TimeoutOptions.DispatchStartSetting, options.DispatchStartMinutes, "how long a dispatched job may wait for its workflow run to report before it is failed");
        Check(failures, TimeoutOptions.SilenceSetting, options.SilenceMinutes, "how long a job may stay silent before it is failed");
        Check(failures, TimeoutOptions.MaxSetting, options.MaxMinutes, "how long a job may stay in flight in total before it is failed");
        Check(failures, TimeoutOptions.CancelConfirmSetting, options.CancelConfirmMinutes, "how long a cancelling job waits for its clean-up to confirm before it is ended as cancelled, unconfirmed");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string setting, double minutes, string what)
    {
        if (minutes is not (> 0 and <= MaxMinutes))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{setting} must be more than 0 and at most {MaxMinutes} minutes (fractions allowed), not {minutes}: it is {what}."));
        }
    }
}
