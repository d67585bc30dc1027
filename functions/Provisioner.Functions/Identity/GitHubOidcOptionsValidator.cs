using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Identity;

/// <summary>With tokens accepted, everything a token is checked against must be known at start.</summary>
public sealed class GitHubOidcOptionsValidator : IValidateOptions<GitHubOidcOptions>
{
    public ValidateOptionsResult Validate(string? name, GitHubOidcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.AcceptsTokens)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        var mode = options.Mode.ToString().ToLowerInvariant();
        if (!AuthOptions.IsAcceptableIssuer(options.Issuer))
        {
            failures.Add($"{GitHubOidcOptions.IssuerSetting} must be an absolute https address (plain http only for a loopback test issuer), not {options.Issuer}.");
        }

        if (string.IsNullOrWhiteSpace(options.EffectiveAudience))
        {
            failures.Add($"{GitHubOidcOptions.AudienceSetting} is not set and neither is PUBLIC_BASE_URL: with {GitHubOidcOptions.ModeSetting}={mode} the workflow's token must name this app as its audience.");
        }

        if (string.IsNullOrWhiteSpace(options.Owner) || string.IsNullOrWhiteSpace(options.Repo))
        {
            failures.Add($"GITHUB_OWNER and GITHUB_REPO must be set with {GitHubOidcOptions.ModeSetting}={mode}: a token is accepted only from this deployment's repository.");
        }

        if (!options.Workflow.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) && !options.Workflow.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"GITHUB_WORKFLOW must be the workflow's file name (provision-agent.yml) with {GitHubOidcOptions.ModeSetting}={mode}: a token names its workflow by file.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
