using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>How people prove who they are (docs/identity.md).</summary>
public sealed class AuthOptions
{
    public const string ModeSetting = "AUTH_MODE";
    public const string AuthoritySetting = "AUTH_AUTHORITY";
    public const string AudienceSetting = "AUTH_AUDIENCE";

    [ConfigurationKeyName(ModeSetting)]
    public AuthMode Mode { get; set; } = AuthMode.Disabled;

    /// <summary>The OpenID Connect issuer, for Entra ID <c>https://login.microsoftonline.com/{tenant}/v2.0</c>; its metadata is at <c>{authority}/.well-known/openid-configuration</c>.</summary>
    [ConfigurationKeyName(AuthoritySetting)]
    public Uri? Authority { get; set; }

    /// <summary>The audience the tokens are issued for (the API's client id, or its app ID URI); several may be given, separated by commas.</summary>
    [ConfigurationKeyName(AudienceSetting)]
    public string? Audience { get; set; }

    public IReadOnlyList<string> Audiences =>
        (Audience ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Plain http is accepted only from the machine itself (a test issuer); anything else must be https.</summary>
    public static bool IsAcceptableIssuer(Uri uri) =>
        uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
