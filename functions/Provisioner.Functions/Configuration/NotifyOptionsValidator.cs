using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Both notification settings or neither; the secret in the Standard Webhooks format; sane retry limits.</summary>
internal sealed class NotifyOptionsValidator : IValidateOptions<NotifyOptions>
{
    public ValidateOptionsResult Validate(string? name, NotifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var hasUrl = !string.IsNullOrWhiteSpace(options.Url);
        var hasSecret = !string.IsNullOrWhiteSpace(options.Secret);
        if (hasUrl != hasSecret)
        {
            failures.Add(hasUrl
                ? $"{NotifyOptions.UrlSetting} is set but {NotifyOptions.SecretSetting} is not: set {NotifyOptions.SecretSetting} to the receiver's signing secret (whsec_ followed by base64, for example whsec_$(openssl rand -base64 32)), or remove {NotifyOptions.UrlSetting} to send no notifications."
                : $"{NotifyOptions.SecretSetting} is set but {NotifyOptions.UrlSetting} is not: set {NotifyOptions.UrlSetting} to the receiver's https URL, or remove {NotifyOptions.SecretSetting} to send no notifications.");
        }

        if (hasUrl && !(Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)))
        {
            failures.Add($"{NotifyOptions.UrlSetting} is not an absolute http(s) URL: give the receiver's full address, for example https://hooks.example.com/provisioner.");
        }

        if (hasSecret)
        {
            if (options.Secret!.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{NotifyOptions.SecretSetting} is an unresolved Key Vault reference: the app's identity cannot read the secret yet (check its Key Vault Secrets User role, then restart the app).");
            }
            else if (!options.Secret.StartsWith(SigningKeys.StandardPrefix, StringComparison.Ordinal))
            {
                failures.Add($"{NotifyOptions.SecretSetting} does not start with whsec_: receivers verify with Standard Webhooks libraries, which expect whsec_ followed by base64 (for example whsec_$(openssl rand -base64 32)).");
            }
            else if (!SigningKeys.TryCreate(options.Secret, out _, out var error))
            {
                failures.Add($"{NotifyOptions.SecretSetting} {error}");
            }
        }

        if (!(options.RetryBaseSeconds > 0) || !(options.RetryMaxSeconds >= options.RetryBaseSeconds) || options.RetryMaxSeconds > NotifyOptions.LongestRetryDelay.TotalSeconds)
        {
            failures.Add($"{NotifyOptions.RetryBaseSetting} must be above 0 and at most {NotifyOptions.RetryMaxSetting}, which must be at most {NotifyOptions.LongestRetryDelay.TotalSeconds:0} (a queue message cannot be hidden longer).");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add($"{NotifyOptions.MaxAttemptsSetting} must be at least 1.");
        }

        if (!(options.GiveUpHours > 0))
        {
            failures.Add($"{NotifyOptions.GiveUpSetting} must be above 0.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
