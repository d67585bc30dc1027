using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when an agent-health setting is set but could not work.</summary>
internal sealed class AgentHealthOptionsValidator : IValidateOptions<AgentHealthOptions>
{
    private const double MaxMinutes = 24 * 60;

    public ValidateOptionsResult Validate(string? name, AgentHealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.KeySecret is { } secret)
        {
            if (secret.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{AgentHealthOptions.KeySecretSetting} is an unresolved Key Vault reference: the app's identity cannot read the secret yet (check its Key Vault Secrets User role, then restart the app).");
            }
            else if (!SigningKeys.TryCreateForDerivation(secret, out _, out var error))
            {
                failures.Add($"{AgentHealthOptions.KeySecretSetting} {error}");
            }
        }

        if (options.SilenceMinutes is not (> 0 and <= MaxMinutes))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{AgentHealthOptions.SilenceSetting} must be more than 0 and at most {MaxMinutes} minutes (fractions allowed), not {options.SilenceMinutes}: it is how long a running agent may go without a health report before it is shown unreachable."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
