using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when dispatch could not work.</summary>
internal sealed class DispatchOptionsValidator : IValidateOptions<DispatchOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.PublicBaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{DispatchOptions.PublicBaseUrlSetting} must be the app's absolute http(s) address (the workflow sends its callbacks to {{{DispatchOptions.PublicBaseUrlSetting}}}/api/webhooks/github).");
        }

        if (options.RetryBaseDelaySeconds is < 0 or > 300)
        {
            failures.Add($"{DispatchOptions.RetryBaseDelaySetting} must be between 0 and 300 seconds, not {options.RetryBaseDelaySeconds}.");
        }

        if (options.RetryAttempts is < 0 or > 10)
        {
            failures.Add($"{DispatchOptions.RetryAttemptsSetting} must be between 0 and 10.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
