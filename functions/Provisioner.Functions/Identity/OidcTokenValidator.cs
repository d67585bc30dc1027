using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Provisioner.Functions.Identity;

/// <summary>
/// Validates JWTs from one OpenID Connect issuer with Microsoft's token libraries: the issuer's
/// metadata and signing keys come from <c>{issuer}/.well-known/openid-configuration</c> through
/// a <see cref="ConfigurationManager{T}"/>, which caches them. It is set as
/// <see cref="TokenValidationParameters.ConfigurationManager"/>, so when a token names a key the
/// cache does not know (key rollover), <see cref="JsonWebTokenHandler"/> asks it to fetch them
/// again and validates once more, without a restart; it fetches at most once per
/// <see cref="MinimumRefreshInterval"/>. The handler checks the RS256 signature by one of those
/// keys (so no <c>alg: none</c>), the issuer as the metadata states it, the audience, and the
/// lifetime with a small skew. Lifetimes are read against the system clock, the clock the issuer
/// signs with (this version of the library takes no <see cref="TimeProvider"/>). The metadata is
/// fetched with an <see cref="HttpClient"/> from the app's <see cref="IHttpClientFactory"/>
/// (<see cref="HttpClientName"/>).
/// </summary>
internal sealed class OidcTokenValidator
{
    public const string HttpClientName = "oidc";

    /// <summary>How long a metadata or key-set request may take.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How far a token's times may be from our clock. Entra ID and GitHub both sign with a synchronised clock; a minute covers ours.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>How often an unknown key id may make us fetch the keys again: a flood of forged tokens cannot make us hammer the issuer.</summary>
    public static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The library's switch that makes a requested refresh happen before the retried validation
    /// (blocking) instead of on a background thread, which would refuse the first token signed
    /// with a new key. Process-wide; nothing else here uses the library, and it is read once,
    /// so it is set before the first validator exists.
    /// </summary>
    public const string BlockingRefreshSwitch = "Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking";

    private readonly ConfigurationManager<OpenIdConnectConfiguration> _metadata;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    static OidcTokenValidator() => AppContext.SetSwitch(BlockingRefreshSwitch, true);

    public OidcTokenValidator(Uri issuer, IReadOnlyCollection<string> audiences, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var retriever = new HttpDocumentRetriever(http) { RequireHttps = !(issuer.Scheme == Uri.UriSchemeHttp && issuer.IsLoopback) };
        _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(), retriever)
        {
            RefreshInterval = MinimumRefreshInterval,
            // A key the issuer no longer publishes is refused once the keys were fetched again, not kept for the last-known-good hour.
            UseLastKnownGoodConfiguration = false,
        };
        _parameters = new TokenValidationParameters
        {
            ConfigurationManager = _metadata,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudiences = audiences,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = ClockSkew,
            NameClaimType = "name",
            RoleClaimType = AppRoles.ClaimType,
        };
    }

    /// <summary>An <see cref="HttpClient"/> for the issuer's metadata, from the app's factory.</summary>
    public static HttpClient Client(IHttpClientFactory clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return clients.CreateClient(HttpClientName);
    }

    public async Task<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        // Fetched (or read from the cache) first: an issuer that cannot be reached is a 503, not an invalid token.
        try
        {
            await _metadata.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return new TokenCheck.IssuerUnreachable();
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        return result.IsValid ? new TokenCheck.Valid(result.ClaimsIdentity) : new TokenCheck.Invalid(Describe(result.Exception));
    }

    /// <summary>What failed, in words for the caller; the library's own messages can quote the token, so they are not passed on.</summary>
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenInvalidIssuerException => "The token was not issued by the issuer this service trusts.",
        SecurityTokenInvalidAudienceException => "The token is not for this service (audience).",
        SecurityTokenInvalidAlgorithmException => "The token is not signed with RS256.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenMalformedException => "The bearer value is not a JWT.",
        _ => "The token is not valid.",
    };
}
