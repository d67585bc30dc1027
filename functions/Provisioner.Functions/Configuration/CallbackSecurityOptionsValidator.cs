using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Fails start-up, naming the setting, when no usable callback secret is configured.</summary>
public sealed class CallbackSecurityOptionsValidator : IValidateOptions<CallbackSecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, CallbackSecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Secret))
        {
            // With CALLBACK_AUTH=oidc only GitHub Actions tokens are accepted: no secret is needed.
            if (options.Mode != Identity.CallbackAuthMode.Oidc)
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
