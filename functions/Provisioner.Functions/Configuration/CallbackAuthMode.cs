namespace Provisioner.Functions.Configuration;

/// <summary>What proves a callback came from this deployment's workflow (<c>CALLBACK_AUTH</c>).</summary>
public enum CallbackAuthMode
{
    /// <summary>The shared secret's signature (Standard Webhooks, or the legacy <c>X-Signature</c> while allowed). The default.</summary>
    Hmac,

    /// <summary>The run's GitHub Actions ID token as <c>Authorization: Bearer</c>; signatures are not looked at.</summary>
    Oidc,

    /// <summary>Either: a bearer token when one is sent (and then it must be valid), else a signature. For the switch-over.</summary>
    Any,
}
