using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Provisioner.Functions.Identity;

/// <summary>
/// Validates JWTs from one OpenID Connect issuer with Microsoft's token libraries: the issuer's
/// metadata and signing keys come from <c>{issuer}/.well-known/openid-configuration</c> through
/// a <see cref="ConfigurationManager{T}"/>, which caches them; when a token names a key the cache
/// does not know (key rollover), they are fetched again at once (then at most every
/// <see cref="MinimumRefreshInterval"/>), without a restart. The token itself is
/// checked by <see cref="JsonWebTokenHandler"/>: RS256 signature by one of those keys (so no
/// <c>alg: none</c>), issuer as the metadata states it, audience, and lifetime with a small skew.
/// Lifetimes are read against the system clock, the clock the issuer signs with (this version of
/// the library takes no <see cref="TimeProvider"/>).
/// </summary>
public sealed class OidcTokenValidator : IDisposable
{
    /// <summary>How far a token's times may be from our clock. Entra ID and GitHub both sign with a synchronised clock; a minute covers ours.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>How often an unknown key id may make us fetch the keys again: a flood of forged tokens cannot make us hammer the issuer.</summary>
    public static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly HttpDocumentRetriever _retriever;
    private readonly string _metadataAddress;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private OpenIdConnectConfiguration? _refreshed;
    private DateTimeOffset? _refreshedAt;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _metadata;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    public OidcTokenValidator(Uri issuer, IReadOnlyCollection<string> audiences)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        _metadataAddress = issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration";
        _retriever = new HttpDocumentRetriever(_http) { RequireHttps = !(issuer.Scheme == Uri.UriSchemeHttp && issuer.IsLoopback) };
        _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(_metadataAddress, new OpenIdConnectConfigurationRetriever(), _retriever);
        _parameters = new TokenValidationParameters
        {
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

        var result = await ValidateWithAsync(token, configuration, _refreshed);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && await RefreshAsync(cancellationToken) is { } refreshed)
        {
            // A key we had not seen: the issuer may have rolled its keys. Fetched again, retried once.
            result = await ValidateWithAsync(token, configuration, refreshed);
        }

        return result.IsValid ? new TokenCheck.Valid(result.ClaimsIdentity) : new TokenCheck.Invalid(Describe(result.Exception));
    }

    private Task<TokenValidationResult> ValidateWithAsync(string token, OpenIdConnectConfiguration cached, OpenIdConnectConfiguration? refreshed)
    {
        var parameters = _parameters.Clone();
        var latest = refreshed ?? cached;
        parameters.ValidIssuer = latest.Issuer;
        parameters.IssuerSigningKeys = refreshed is null ? cached.SigningKeys : [.. refreshed.SigningKeys, .. cached.SigningKeys];
        return _handler.ValidateTokenAsync(token, parameters);
    }

    /// <summary>The issuer's metadata and keys fetched now, unless they were within <see cref="MinimumRefreshInterval"/>; null when not fetched.</summary>
    private async Task<OpenIdConnectConfiguration?> RefreshAsync(CancellationToken cancellationToken)
    {
        var seen = _refreshedAt;
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            if (_refreshedAt != seen)
            {
                return _refreshed; // another request refreshed while this one waited
            }

            if (_refreshedAt is { } at && DateTimeOffset.UtcNow - at < MinimumRefreshInterval)
            {
                return null;
            }

            _refreshed = await OpenIdConnectConfigurationRetriever.GetAsync(_metadataAddress, _retriever, cancellationToken);
            _refreshedAt = DateTimeOffset.UtcNow;
            _metadata.RequestRefresh();
            return _refreshed;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _refreshedAt = DateTimeOffset.UtcNow; // do not retry at once against an issuer that failed
            return null;
        }
        finally
        {
            _refreshGate.Release();
        }
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

    public void Dispose()
    {
        _http.Dispose();
        _refreshGate.Dispose();
    }
}
