using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when GitHub could not be reached with what is set.</summary>
internal sealed class GitHubOptionsValidator : IValidateOptions<GitHubOptions>
{
    public ValidateOptionsResult Validate(string? name, GitHubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.UsesGitHub)
        {
            if (string.IsNullOrWhiteSpace(options.Owner))
            {
                failures.Add($"{GitHubOptions.OwnerSetting} is not set: with {GitHubOptions.TokenSetting} set, name the owner of the repository that holds the workflow.");
            }

            if (string.IsNullOrWhiteSpace(options.Repo))
            {
                failures.Add($"{GitHubOptions.RepoSetting} is not set: with {GitHubOptions.TokenSetting} set, name the repository that holds the workflow.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.WorkflowMode) && !options.SimulatedByName)
        {
            failures.Add($"{GitHubOptions.WorkflowModeSetting} must be {GitHubOptions.SimulatedMode} or be removed, not \"{options.WorkflowMode}\".");
        }
        else if (options.SimulatedByName && options.UsesGitHub)
        {
            failures.Add($"{GitHubOptions.WorkflowModeSetting}={GitHubOptions.SimulatedMode} asks for the simulated workflow, but {GitHubOptions.TokenSetting} is set too: remove one of them.");
        }

        if (options.ApiUrl is not { IsAbsoluteUri: true } api || (api.Scheme != Uri.UriSchemeHttp && api.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{GitHubOptions.ApiUrlSetting} must be the absolute http(s) address of the GitHub API (https://api.github.com/, or a GitHub Enterprise Server's address), or be removed to use https://api.github.com/.");
        }

        var deprovision = options.DeprovisionWorkflow ?? "";
        if (deprovision.Length > 0
            && (!(deprovision.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || deprovision.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                || deprovision.Any(c => char.IsWhiteSpace(c) || c is '/' or '\\')))
        {
            failures.Add($"{GitHubOptions.DeprovisionWorkflowSetting} must be the tear-down workflow's file name in .github/workflows (deprovision-agent.yml), not \"{options.DeprovisionWorkflow}\".");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
