using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Provisioner.Functions.Identity;

/// <summary>
/// Validates JWTs from one OpenID Connect issuer with Microsoft's token libraries: the issuer's
/// metadata and signing keys come from <c>{issuer}/.well-known/openid-configuration</c>
/// (<see cref="OpenIdConnectConfigurationRetriever"/>) and are kept here, fetched again every
/// <see cref="AutomaticRefreshInterval"/>. When a token names a key that is not kept (key
/// rollover), the keys are fetched again at once and the token validated once more, without a
/// restart; an unknown key id makes that happen at most once per
/// <see cref="MinimumRefreshInterval"/>. The refresh is done here, awaited, rather than by the
/// library's <c>ConfigurationManager</c>, whose requested refresh may run in the background and
/// so refuse the first token signed with the new key. <see cref="JsonWebTokenHandler"/> checks
/// the RS256 signature by one of the kept keys (so no <c>alg: none</c>), the issuer as the
/// metadata states it, the audience, and the lifetime with a small skew. Lifetimes are read
/// against the system clock, the clock the issuer signs with. The metadata is fetched with an
/// <see cref="HttpClient"/> from the app's <see cref="IHttpClientFactory"/> (<see cref="HttpClientName"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The semaphore's wait handle is never asked for, so it holds nothing to release; the validator lives as long as the app.")]
internal sealed class OidcTokenValidator
{
    public const string HttpClientName = "oidc";

    /// <summary>How long a metadata or key-set request may take.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How far a token's times may be from our clock. Entra ID and GitHub both sign with a synchronised clock; a minute covers ours.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>How often an unknown key id may make us fetch the keys again: a flood of forged tokens cannot make us hammer the issuer.</summary>
    public static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>How long kept metadata is used before it is fetched again unasked (the library's default).</summary>
    public static readonly TimeSpan AutomaticRefreshInterval = TimeSpan.FromHours(12);

    private readonly string _address;
    private readonly HttpDocumentRetriever _retriever;
    private readonly TimeProvider _clock;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile Keys? _keys;
    private DateTimeOffset? _lastUnknownKeyRefresh;

    /// <summary>The issuer's metadata as last fetched, with the validation parameters that trust its keys.</summary>
    private sealed record Keys(OpenIdConnectConfiguration Metadata, TokenValidationParameters Parameters, DateTimeOffset FetchedAt);

    public OidcTokenValidator(Uri issuer, IReadOnlyCollection<string> audiences, HttpClient http, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        _address = issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration";
        _retriever = new HttpDocumentRetriever(http) { RequireHttps = !(issuer.Scheme == Uri.UriSchemeHttp && issuer.IsLoopback) };
        _clock = clock ?? TimeProvider.System;
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

    /// <summary>An <see cref="HttpClient"/> for the issuer's metadata, from the app's factory.</summary>
    public static HttpClient Client(IHttpClientFactory clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return clients.CreateClient(HttpClientName);
    }

    public async Task<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        // Fetched (or read from what is kept) first: an issuer that cannot be reached is a 503, not an invalid token.
        var keys = await CurrentAsync(cancellationToken);
        if (keys is null)
        {
            return new TokenCheck.IssuerUnreachable();
        }

        var result = await _handler.ValidateTokenAsync(token, keys.Parameters);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && MayRefreshForUnknownKey())
        {
            var fresh = await RefreshAsync(keys, cancellationToken);
            if (fresh is null)
            {
                return new TokenCheck.IssuerUnreachable();
            }

            result = await _handler.ValidateTokenAsync(token, fresh.Parameters);
        }

        return result.IsValid ? new TokenCheck.Valid(result.ClaimsIdentity) : new TokenCheck.Invalid(Describe(result.Exception));
    }

    /// <summary>The kept keys; fetched when there are none yet or they are older than <see cref="AutomaticRefreshInterval"/>. Null when there are none and the issuer cannot be reached.</summary>
    private async Task<Keys?> CurrentAsync(CancellationToken cancellationToken)
    {
        var keys = _keys;
        if (keys is not null && _clock.GetUtcNow() - keys.FetchedAt < AutomaticRefreshInterval)
        {
            return keys;
        }

        // Past the interval, keys that cannot be fetched again are still the issuer's last word: keep using them.
        return await RefreshAsync(keys, cancellationToken) ?? keys;
    }

    /// <summary>True at most once per <see cref="MinimumRefreshInterval"/>: the first unknown key id since then may make us fetch the keys again.</summary>
    private bool MayRefreshForUnknownKey()
    {
        var now = _clock.GetUtcNow();
        lock (_fetching)
        {
            if (_lastUnknownKeyRefresh is { } last && now - last < MinimumRefreshInterval)
            {
                return false;
            }

            _lastUnknownKeyRefresh = now;
            return true;
        }
    }

    /// <summary>Fetches the metadata and keys once, however many requests ask at the same time: whoever waited gets what the first fetched. Null when the issuer cannot be reached.</summary>
    private async Task<Keys?> RefreshAsync(Keys? seen, CancellationToken cancellationToken)
    {
        await _fetching.WaitAsync(cancellationToken);
        try
        {
            if (!ReferenceEquals(_keys, seen) && _keys is not null)
            {
                return _keys;
            }

            OpenIdConnectConfiguration metadata;
            try
            {
                metadata = await OpenIdConnectConfigurationRetriever.GetAsync(_address, _retriever, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException or ArgumentException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            var parameters = _parameters.Clone();
            parameters.ValidIssuer = metadata.Issuer;
            parameters.IssuerSigningKeys = metadata.SigningKeys;
            return _keys = new Keys(metadata, parameters, _clock.GetUtcNow());
        }
        finally
        {
            _fetching.Release();
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
}
