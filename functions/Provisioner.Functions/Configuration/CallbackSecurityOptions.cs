using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// What proves a callback came from this deployment's workflow: the shared secrets and the
/// signature schemes accepted, and how the workflow's GitHub Actions ID tokens are checked
/// (docs/callbacks.md; docs/identity.md, "Workflow runs").
/// </summary>
public sealed class CallbackSecurityOptions
{
    public const string SecretSetting = "GITHUB_CALLBACK_SECRET";
    public const string PreviousSecretSetting = "GITHUB_CALLBACK_SECRET_PREVIOUS";
    public const string AllowLegacySetting = "CALLBACK_ALLOW_LEGACY_SIGNATURE";
    public const string ModeSetting = "CALLBACK_AUTH";
    public const string IssuerSetting = "GITHUB_OIDC_ISSUER";
    public const string AudienceSetting = "GITHUB_OIDC_AUDIENCE";

    /// <summary>The secret the workflow signs with. Required unless <see cref="Mode"/> is <c>oidc</c>: without it every callback would be refused, so start-up stops instead.</summary>
    [ConfigurationKeyName(SecretSetting)]
    public string? Secret { get; set; }

    /// <summary>The secret being rotated out; accepted alongside <see cref="Secret"/> while set.</summary>
    [ConfigurationKeyName(PreviousSecretSetting)]
    public string? PreviousSecret { get; set; }

    /// <summary>Whether the body-only <c>X-Signature</c> scheme (no replay protection) is accepted: only when set to <c>true</c> (the sample does, for old local senders; <c>infra/</c> sets <c>false</c>).</summary>
    [ConfigurationKeyName(AllowLegacySetting)]
    public bool AllowLegacySignature { get; set; }

    /// <summary><c>CALLBACK_AUTH</c>: signatures, GitHub Actions tokens, or either.</summary>
    [ConfigurationKeyName(ModeSetting)]
    public CallbackAuthMode Mode { get; set; } = CallbackAuthMode.Hmac;

    /// <summary>github.com's issuer; GitHub Enterprise Server's is <c>https://HOST/_services/token</c>.</summary>
    [ConfigurationKeyName(IssuerSetting)]
    public Uri Issuer { get; set; } = new("https://token.actions.githubusercontent.com");

    /// <summary>The audience the workflow asks its token for; unset, <c>PUBLIC_BASE_URL</c> as configured.</summary>
    [ConfigurationKeyName(AudienceSetting)]
    public string? Audience { get; set; }

    /// <summary>How far a Standard Webhooks timestamp may be from our clock.</summary>
    public TimeSpan TimestampTolerance { get; } = TimeSpan.FromMinutes(5);

    public bool AcceptsTokens => Mode is CallbackAuthMode.Oidc or CallbackAuthMode.Any;

    public bool AcceptsSignatures => Mode is CallbackAuthMode.Hmac or CallbackAuthMode.Any;

    /// <summary>The audience a workflow token must carry: <see cref="Audience"/>, else the app's public address exactly as configured.</summary>
    public string? EffectiveAudience(DispatchOptions dispatch)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        return string.IsNullOrWhiteSpace(Audience) ? dispatch.PublicBaseUrlAsConfigured : Audience;
    }
}
