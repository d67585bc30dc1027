using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// Fails start-up, naming the setting, when no usable callback secret is configured, or when
/// tokens are accepted but something a token is checked against is unknown. The repository,
/// workflow and public address belong to <see cref="GitHubOptions"/> and <see cref="DispatchOptions"/>:
/// read here as their own registrations bind them, and validated by their own validators.
/// </summary>
internal sealed class CallbackSecurityOptionsValidator(
    IEnumerable<IConfigureOptions<GitHubOptions>> gitHub,
    IEnumerable<IConfigureOptions<DispatchOptions>> dispatch) : IValidateOptions<CallbackSecurityOptions>
{
    /// <summary>For the secret rules alone: with tokens accepted, the repository and public address count as not set.</summary>
    public CallbackSecurityOptionsValidator()
        : this([], [])
    {
    }

    public ValidateOptionsResult Validate(string? name, CallbackSecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Secret))
        {
            // With CALLBACK_AUTH=oidc only GitHub Actions tokens are accepted: no secret is needed.
            if (options.Mode != CallbackAuthMode.Oidc)
            {
                failures.Add($"{CallbackSecurityOptions.SecretSetting} is not set. Set it to the secret the provisioning workflow signs callbacks with (for a local run, copy local.settings.sample.json to local.settings.json), or set CALLBACK_AUTH=oidc to accept the workflow's GitHub Actions tokens instead; without it every callback would be refused.");
            }
        }
        else if (options.Secret.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{CallbackSecurityOptions.SecretSetting} is an unresolved Key Vault reference: the app's identity cannot read the secret yet (check its Key Vault Secrets User role, then restart the app).");
        }
        else if (!SigningKeys.TryCreate(options.Secret, out _, out var error))
        {
            failures.Add($"{CallbackSecurityOptions.SecretSetting} {error}");
        }

        if (options.PreviousSecret?.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase) == true)
        {
            failures.Add($"{CallbackSecurityOptions.PreviousSecretSetting} is an unresolved Key Vault reference: the app's identity cannot read the secret yet.");
        }
        else if (!string.IsNullOrWhiteSpace(options.PreviousSecret) && !SigningKeys.TryCreate(options.PreviousSecret, out _, out var previousError))
        {
            failures.Add($"{CallbackSecurityOptions.PreviousSecretSetting} {previousError}");
        }

        if (options.AcceptsTokens)
        {
            TokenChecks(options, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>With tokens accepted, everything a token is checked against must be known at start.</summary>
    private void TokenChecks(CallbackSecurityOptions options, List<string> failures)
    {
        var mode = options.Mode.ToString().ToLowerInvariant();
        if (!AuthOptions.IsAcceptableIssuer(options.Issuer))
        {
            failures.Add($"{CallbackSecurityOptions.IssuerSetting} must be an absolute https address (plain http only for a loopback test issuer), not {options.Issuer}.");
        }

        var app = SettingsBinding.Configured(dispatch) ?? new DispatchOptions();
        if (string.IsNullOrWhiteSpace(options.EffectiveAudience(app)))
        {
            failures.Add($"{CallbackSecurityOptions.AudienceSetting} is not set and neither is {DispatchOptions.PublicBaseUrlSetting}: with {CallbackSecurityOptions.ModeSetting}={mode} the workflow's token must name this app as its audience.");
        }

        var repository = SettingsBinding.Configured(gitHub) ?? new GitHubOptions();
        if (string.IsNullOrWhiteSpace(repository.Owner) || string.IsNullOrWhiteSpace(repository.Repo))
        {
            failures.Add($"{GitHubOptions.OwnerSetting} and {GitHubOptions.RepoSetting} must be set with {CallbackSecurityOptions.ModeSetting}={mode}: a token is accepted only from this deployment's repository.");
        }

        if (!repository.Workflow.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) && !repository.Workflow.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{GitHubOptions.WorkflowSetting} must be the workflow's file name (provision-agent.yml) with {CallbackSecurityOptions.ModeSetting}={mode}: a token names its workflow by file.");
        }
    }
}
