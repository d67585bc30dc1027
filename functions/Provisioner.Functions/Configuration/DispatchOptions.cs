using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// Where the workflow calls back, and how hard one delivery of a dispatch message tries GitHub
/// (docs/dispatch.md; docs/configuration.md, "Dispatch"). The repository and token are <see cref="GitHubOptions"/>.
/// </summary>
public sealed class DispatchOptions
{
    public const string PublicBaseUrlSetting = "PUBLIC_BASE_URL";
    public const string RetryAttemptsSetting = "DISPATCH_RETRY_ATTEMPTS";
    public const string RetryBaseDelaySetting = "DISPATCH_RETRY_BASE_DELAY_SECONDS";

    /// <summary>The app's public address; the workflow's <c>callback_url</c> is built from it.</summary>
    [ConfigurationKeyName(PublicBaseUrlSetting)]
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Retries inside one delivery of a queue message; the queue's redelivery multiplies them (docs/dispatch.md).</summary>
    [ConfigurationKeyName(RetryAttemptsSetting)]
    public int RetryAttempts { get; set; } = 3;

    [ConfigurationKeyName(RetryBaseDelaySetting)]
    public double RetryBaseDelaySeconds { get; set; } = 2;

    public TimeSpan RetryBaseDelay => TimeSpan.FromSeconds(RetryBaseDelaySeconds);

    /// <summary>A Retry-After or rate-limit reset longer than this is not waited out in the function: the queue redelivers later.</summary>
    public TimeSpan MaxRetryAfter { get; } = TimeSpan.FromSeconds(60);

    public TimeSpan AttemptTimeout { get; } = TimeSpan.FromSeconds(20);

    /// <summary>The webhook under <see cref="PublicBaseUrl"/>, whether or not that ends in '/'.</summary>
    public Uri CallbackUrl => new(Under(PublicBaseUrl ?? throw new InvalidOperationException($"{PublicBaseUrlSetting} is not set.")), "api/webhooks/github");

    /// <summary><c>PUBLIC_BASE_URL</c> exactly as configured (the default audience of the workflow's tokens), or null.</summary>
    public string? PublicBaseUrlAsConfigured => PublicBaseUrl?.OriginalString;

    private static Uri Under(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
