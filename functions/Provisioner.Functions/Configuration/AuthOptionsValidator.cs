using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when people's sign-in is configured half-way (that it is off outside development: <see cref="HostEnvironmentOptionsValidator"/>).</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Mode == AuthMode.Disabled)
        {
            return ValidateOptionsResult.Success;
        }

        if (options.Authority is null)
        {
            failures.Add($"{AuthOptions.AuthoritySetting} is not set. With {AuthOptions.ModeSetting}=entra it must name the token issuer, for Entra ID https://login.microsoftonline.com/{{tenant id}}/v2.0.");
        }
        else if (!AuthOptions.IsAcceptableIssuer(options.Authority))
        {
            failures.Add($"{AuthOptions.AuthoritySetting} must be an absolute https address (plain http only for a loopback issuer such as a test's own), not {options.Authority}.");
        }

        if (options.Audiences.Count == 0)
        {
            failures.Add($"{AuthOptions.AudienceSetting} is not set. With {AuthOptions.ModeSetting}=entra it must be the audience the API's tokens carry (the API app registration's client id).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
