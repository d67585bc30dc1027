using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// Outside development (<see cref="HostEnvironmentOptions.IsDevelopment"/>), stops start-up,
/// naming the setting, unless the app is safe to face the internet: people sign in
/// (<c>AUTH_MODE=entra</c>); every secret has at least <see cref="MinimumSecretBytes"/> bytes of
/// key and is not one of the sample's; and jobs go to GitHub (<c>GITHUB_TOKEN</c>) unless the
/// simulated workflow was asked for by name (<c>WORKFLOW_MODE=simulated</c>). The legacy
/// signature is accepted only where <c>CALLBACK_ALLOW_LEGACY_SIGNATURE=true</c> says so: its default is off.
/// The other concerns' settings are read as their own registrations bind them.
/// </summary>
internal sealed class HostEnvironmentOptionsValidator(
    IEnumerable<IConfigureOptions<AuthOptions>> auth,
    IEnumerable<IConfigureOptions<CallbackSecurityOptions>> callbacks,
    IEnumerable<IConfigureOptions<GitHubOptions>> gitHub,
    IEnumerable<IConfigureOptions<AgentHealthOptions>> agentHealth) : IValidateOptions<HostEnvironmentOptions>
{
    /// <summary>An HMAC key shorter than SHA-256's block of output is weaker than the hash (RFC 2104, section 3).</summary>
    public const int MinimumSecretBytes = 32;

    /// <summary>The secrets committed in local.settings.sample.json: public, so good for a local run only.</summary>
    internal static readonly IReadOnlySet<string> SampleSecrets = new HashSet<string>(StringComparer.Ordinal)
    {
        "whsec_crmTdGYy7repe31N0AGK/xQiOwPqlFh/cUc71Ar2cXY=",
        "whsec_ofrh3AqrPVAJ/FJJj/Kt2qJ0+uUyGfEi4gtmEP1FX/8=",
    };

    public ValidateOptionsResult Validate(string? name, HostEnvironmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsDevelopment)
        {
            return ValidateOptionsResult.Success;
        }

        var where = options.RunsInAzure
            ? $"the app runs in Azure ({HostEnvironmentOptions.SiteNameSetting} or {HostEnvironmentOptions.InstanceIdSetting} is set)"
            : $"{HostEnvironmentOptions.EnvironmentSetting} is not {HostEnvironmentOptions.Development}";
        var failures = new List<string>();
        var people = SettingsBinding.Configured(auth) ?? new AuthOptions();
        if (people.Mode != AuthMode.Entra)
        {
            failures.Add($"{AuthOptions.ModeSetting} is not entra, but {where}: anyone could create jobs. Set {AuthOptions.ModeSetting}=entra with {AuthOptions.AuthoritySetting} and {AuthOptions.AudienceSetting} (docs/identity.md), or {HostEnvironmentOptions.EnvironmentSetting}={HostEnvironmentOptions.Development} on a developer's machine.");
        }

        var callback = SettingsBinding.Configured(callbacks) ?? new CallbackSecurityOptions();
        Secret(CallbackSecurityOptions.SecretSetting, callback.Secret, where, failures);
        Secret(CallbackSecurityOptions.PreviousSecretSetting, callback.PreviousSecret, where, failures);
        Secret(AgentHealthOptions.KeySecretSetting, (SettingsBinding.Configured(agentHealth) ?? new AgentHealthOptions()).KeySecret, where, failures);

        var repository = SettingsBinding.Configured(gitHub) ?? new GitHubOptions();
        if (!repository.UsesGitHub && !repository.SimulatedByName)
        {
            failures.Add($"{GitHubOptions.TokenSetting} is not set, but {where}: jobs would be played by the simulated workflow and no server would be created. Set {GitHubOptions.TokenSetting}, or ask for the simulator by name with {GitHubOptions.WorkflowModeSetting}={GitHubOptions.SimulatedMode}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A secret that is set must be long and not public; an unset or unresolved one is its own validator's business.</summary>
    private static void Secret(string setting, string? value, string where, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(value) || value.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (SampleSecrets.Contains(value.Trim()))
        {
            failures.Add($"{setting} is the value committed in local.settings.sample.json, but {where}: anyone can read it. Generate one: whsec_$(openssl rand -base64 32).");
        }
        else if (SigningKeys.TryCreate(value, out var keys, out _) && keys.StandardWebhooks.Length < MinimumSecretBytes)
        {
            failures.Add($"{setting} has {keys.StandardWebhooks.Length} bytes of key, fewer than {MinimumSecretBytes}, and {where}. Generate one: whsec_$(openssl rand -base64 32).");
        }
    }
}
