using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>Who may send callbacks: the shared secrets and which signature schemes are accepted.</summary>
public sealed class CallbackSecurityOptions
{
    public const string SecretSetting = "GITHUB_CALLBACK_SECRET";
    public const string PreviousSecretSetting = "GITHUB_CALLBACK_SECRET_PREVIOUS";
    public const string AllowLegacySetting = "CALLBACK_ALLOW_LEGACY_SIGNATURE";

    /// <summary>The secret the workflow signs with. Required: without it every callback would be refused, so start-up stops instead.</summary>
    [ConfigurationKeyName(SecretSetting)]
    public string? Secret { get; set; }

    /// <summary>The secret being rotated out; accepted alongside <see cref="Secret"/> while set.</summary>
    [ConfigurationKeyName(PreviousSecretSetting)]
    public string? PreviousSecret { get; set; }

    /// <summary>Whether the body-only <c>X-Signature</c> scheme (no replay protection) is accepted.</summary>
    [ConfigurationKeyName(AllowLegacySetting)]
    public bool AllowLegacySignature { get; set; } = true;

    /// <summary><c>CALLBACK_AUTH</c>: with <c>oidc</c> only tokens are accepted, so no secret is needed.</summary>
    [ConfigurationKeyName(Identity.GitHubOidcOptions.ModeSetting)]
    public Identity.CallbackAuthMode Mode { get; set; } = Identity.CallbackAuthMode.Hmac;

    /// <summary>How far a Standard Webhooks timestamp may be from our clock.</summary>
    public TimeSpan TimestampTolerance { get; } = TimeSpan.FromMinutes(5);
}
