using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Dispatch;

/// <summary>Stops start-up, naming the setting, when dispatch could not work.</summary>
public sealed class DispatchOptionsValidator : IValidateOptions<DispatchOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.PublicBaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{DispatchOptions.PublicBaseUrlSetting} must be the app's absolute http(s) address (the workflow sends its callbacks to {{{DispatchOptions.PublicBaseUrlSetting}}}/api/webhooks/github).");
        }

        if (options.UsesGitHub)
        {
            if (string.IsNullOrWhiteSpace(options.Owner))
            {
                failures.Add($"{DispatchOptions.OwnerSetting} is not set: with {DispatchOptions.TokenSetting} set, name the owner of the repository that holds the workflow.");
            }

            if (string.IsNullOrWhiteSpace(options.Repo))
            {
                failures.Add($"{DispatchOptions.RepoSetting} is not set: with {DispatchOptions.TokenSetting} set, name the repository that holds the workflow.");
            }
        }

        if (options.ApiUrl is not { IsAbsoluteUri: true } api || (api.Scheme != Uri.UriSchemeHttp && api.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{DispatchOptions.ApiUrlSetting} must be the absolute http(s) address of the GitHub API (https://api.github.com/, or a GitHub Enterprise Server's address), or be removed to use https://api.github.com/.");
        }

        var deprovision = options.DeprovisionWorkflow ?? "";
        if (deprovision.Length > 0
            && (!(deprovision.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || deprovision.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                || deprovision.Any(c => char.IsWhiteSpace(c) || c is '/' or '\\')))
        {
            failures.Add($"{DispatchOptions.DeprovisionWorkflowSetting} must be the tear-down workflow's file name in .github/workflows (deprovision-agent.yml), not \"{options.DeprovisionWorkflow}\".");
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
