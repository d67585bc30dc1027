using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Provisioner.Functions.Identity;

/// <summary>
/// Validates JWTs from one OpenID Connect issuer with Microsoft's token libraries: the issuer's
/// metadata and signing keys come from <c>{issuer}/.well-known/openid-configuration</c> through
/// a <see cref="ConfigurationManager{T}"/>, which caches them and fetches them again when a
/// token names a key it does not know (key rollover, without a restart); the token itself is
/// checked by <see cref="JsonWebTokenHandler"/>: RS256 signature by one of those keys (so no
/// <c>alg: none</c>), issuer as the metadata states it, audience, and lifetime with a small skew.
/// Lifetimes are read against the system clock, the clock the issuer signs with (this version of
/// the library takes no <see cref="TimeProvider"/>).
/// </summary>
public sealed class OidcTokenValidator : IDisposable
{
    /// <summary>How far a token's times may be from our clock. Entra ID and GitHub both sign with a synchronised clock; a minute covers ours.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private readonly HttpClient _http;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _metadata;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    public OidcTokenValidator(Uri issuer, IReadOnlyCollection<string> audiences)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metadataAddress = issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration";
        var retriever = new HttpDocumentRetriever(_http) { RequireHttps = !(issuer.Scheme == Uri.UriSchemeHttp && issuer.IsLoopback) };
        _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(metadataAddress, new OpenIdConnectConfigurationRetriever(), retriever);
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

    public async Task<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _metadata.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return new TokenCheck.IssuerUnreachable();
        }

        var parameters = _parameters.Clone();
        parameters.ValidIssuer = configuration.Issuer;
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (result.IsValid)
        {
            return new TokenCheck.Valid(result.ClaimsIdentity);
        }

        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // A key we have not seen: the issuer may have rolled its keys. Fetch them again (the
            // manager allows that once at first, then at most every RefreshInterval) and retry once.
            _metadata.RequestRefresh();
            try
            {
                configuration = await _metadata.GetConfigurationAsync(cancellationToken);
            }
            catch (InvalidOperationException)
            {
                return new TokenCheck.IssuerUnreachable();
            }

            parameters.ValidIssuer = configuration.Issuer;
            result = await _handler.ValidateTokenAsync(token, parameters);
            if (result.IsValid)
            {
                return new TokenCheck.Valid(result.ClaimsIdentity);
            }
        }

        return new TokenCheck.Invalid(Describe(result.Exception));
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

    public void Dispose() => _http.Dispose();
}
