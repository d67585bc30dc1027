using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Provisioner.Testing;

/// <summary>
/// An OpenID Connect issuer of our own, served over Kestrel on 127.0.0.1: its metadata at
/// <c>/.well-known/openid-configuration</c>, its RSA public keys at <c>/keys</c>, and tokens
/// signed with its current key. <see cref="RotateKeys"/> rolls the key as Entra ID does. It also
/// answers GitHub Actions' ID token request (<c>/actions/token?audience=…</c>, with the request
/// token as bearer) with a token carrying <see cref="ActionsClaims"/>, so the workflow's script can
/// be run against it.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string ActionsRequestToken = "test-actions-request-token";

    private static readonly string[] Rs256Only = ["RS256"];

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private RsaSecurityKey _signing;
    private List<RsaSecurityKey> _published;

    private TestIssuer(WebApplication app, Uri address)
    {
        _app = app;
        Issuer = address.AbsoluteUri.TrimEnd('/');
        _signing = NewKey();
        _published = [_signing];
    }

    /// <summary>The issuer (<c>iss</c>) and the authority to configure: <c>http://127.0.0.1:{port}</c>.</summary>
    public string Issuer { get; }

    /// <summary>How many times the key set was fetched: a cached key set is not fetched again.</summary>
    public int KeySetFetches { get; private set; }

    /// <summary>The claims of the token the Actions ID token endpoint hands out (besides iss, aud, exp, nbf, iat).</summary>
    public IDictionary<string, object> ActionsClaims { get; } = new Dictionary<string, object>();

    /// <summary>The audiences the Actions ID token endpoint was asked for, in order.</summary>
    public IList<string> ActionsAudiencesRequested { get; } = new List<string>();

    /// <summary>Where the workflow's script asks for its token: <c>ACTIONS_ID_TOKEN_REQUEST_URL</c> (GitHub's carries a query already, so the script appends <c>&amp;audience=</c>).</summary>
    public string ActionsTokenRequestUrl => $"{Issuer}/actions/token?api-version=2.0";

    public static async Task<TestIssuer> StartAsync()
    {
        // No configuration files are watched: each watcher is an inotify instance, and a machine has few.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        TestIssuer? issuer = null;
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer!.Issuer,
            ["jwks_uri"] = issuer.Issuer + "/keys",
            ["id_token_signing_alg_values_supported"] = Rs256Only,
        }));
        app.MapGet("/keys", () => Results.Text(issuer!.KeySet(), "application/json"));
        app.MapGet("/actions/token", (HttpRequest request) => issuer!.ActionsToken(request));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        issuer = new TestIssuer(app, new Uri(address));
        return issuer;
    }

    /// <summary>A new signing key; the old one stays published when <paramref name="keepOld"/> (a graceful rollover), else is withdrawn.</summary>
    public void RotateKeys(bool keepOld = false)
    {
        lock (_gate)
        {
            _signing = NewKey();
            _published = keepOld ? [.. _published, _signing] : [_signing];
        }
    }

    /// <summary>A person's access token, as Entra ID issues it: <c>oid</c>, <c>name</c>, <c>roles</c>.</summary>
    public string PersonToken(string audience, IEnumerable<string> roles, string? objectId = null, string? name = "Test Person", TimeSpan? expiresIn = null, DateTimeOffset? notBefore = null, string? issuer = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["oid"] = objectId ?? Guid.NewGuid().ToString("D"),
            ["sub"] = "subject-" + Guid.NewGuid().ToString("N")[..8],
            ["roles"] = roles.ToArray(),
        };
        if (name is not null)
        {
            claims["name"] = name;
        }

        return Mint(audience, claims, expiresIn, notBefore, issuer);
    }

    /// <summary>The repository id (<c>repository_id</c>) the GitHub-shaped tokens carry.</summary>
    public const string RepositoryId = "690001";

    /// <summary>The owner id (<c>repository_owner_id</c>) the GitHub-shaped tokens carry.</summary>
    public const string RepositoryOwnerId = "1290001";

    /// <summary>A token shaped like a GitHub Actions ID token for one run of a workflow.</summary>
    public string ActionsToken(string audience, string repository, string workflowFile, string runId, string runAttempt = "1", TimeSpan? expiresIn = null, string @ref = "refs/heads/main") =>
        Mint(audience, GitHubClaims(repository, workflowFile, runId, runAttempt, @ref), expiresIn, null, null);

    /// <summary>
    /// The claims of a GitHub Actions ID token, in the shape GitHub documents ("About security
    /// hardening with OpenID Connect", "OpenID Connect reference"): by default a
    /// <c>workflow_dispatch</c> run on <paramref name="ref"/>; <paramref name="eventName"/>
    /// <c>pull_request</c> gives a pull request's run (<c>ref</c> <c>refs/pull/N/merge</c>,
    /// <c>head_ref</c> and <c>base_ref</c> set). Each call has a fresh <c>jti</c>.
    /// </summary>
    public static Dictionary<string, object> GitHubClaims(string repository, string workflowFile, string runId, string runAttempt = "1", string @ref = "refs/heads/main", string eventName = "workflow_dispatch")
    {
        var pullRequest = eventName is "pull_request" or "pull_request_target";
        var claims = new Dictionary<string, object>
        {
            ["jti"] = Guid.NewGuid().ToString("D"),
            ["sub"] = pullRequest ? $"repo:{repository}:pull_request" : $"repo:{repository}:ref:{@ref}",
            ["repository"] = repository,
            ["repository_id"] = RepositoryId,
            ["repository_owner"] = repository.Split('/')[0],
            ["repository_owner_id"] = RepositoryOwnerId,
            ["repository_visibility"] = "private",
            ["actor"] = "octocat",
            ["actor_id"] = "583231",
            ["workflow"] = workflowFile,
            ["workflow_ref"] = $"{repository}/.github/workflows/{workflowFile}@{@ref}",
            ["job_workflow_ref"] = $"{repository}/.github/workflows/{workflowFile}@{@ref}",
            ["ref"] = @ref,
            ["ref_type"] = @ref.StartsWith("refs/tags/", StringComparison.Ordinal) ? "tag" : "branch",
            ["sha"] = "example-sha",
            ["run_id"] = runId,
            ["run_number"] = "1",
            ["run_attempt"] = runAttempt,
            ["runner_environment"] = "github-hosted",
            ["event_name"] = eventName,
            ["head_ref"] = pullRequest ? "feature" : "",
            ["base_ref"] = pullRequest ? "main" : "",
        };
        return claims;
    }

    /// <summary>A token signed with the current key, with any claims.</summary>
    public string Mint(string audience, IDictionary<string, object> claims, TimeSpan? expiresIn = null, DateTimeOffset? notBefore = null, string? issuer = null)
    {
        var now = DateTime.UtcNow;
        var nbf = notBefore?.UtcDateTime ?? now.AddSeconds(-5);
        var exp = expiresIn is { } e ? now + e : now.AddMinutes(10);
        if (exp <= nbf)
        {
            nbf = exp.AddMinutes(-10);
        }

        RsaSecurityKey key;
        lock (_gate)
        {
            key = _signing;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            NotBefore = nbf,
            IssuedAt = nbf,
            Expires = exp,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A token signed with a key the issuer never published, but naming the current key's id.</summary>
    public string ForgedToken(string audience, IDictionary<string, object> claims)
    {
        string kid;
        lock (_gate)
        {
            kid = _signing.KeyId;
        }

        var forger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(forger, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
    public string UnsignedToken(string audience, IDictionary<string, object> claims)
    {
        var payload = new Dictionary<string, object>(claims)
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds(),
            ["nbf"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
        };
        return Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64Url(JsonSerializer.Serialize(payload)) + ".";
    }

    private string KeySet()
    {
        List<RsaSecurityKey> keys;
        lock (_gate)
        {
            keys = _published;
            KeySetFetches++;
        }

        var jwks = keys.Select(k =>
        {
            var p = k.Rsa.ExportParameters(false);
            return new Dictionary<string, string>
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = k.KeyId,
                ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                ["e"] = Base64UrlEncoder.Encode(p.Exponent),
            };
        });
        return JsonSerializer.Serialize(new { keys = jwks });
    }

    private IResult ActionsToken(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() is not { } auth
            || !auth.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase)
            || auth["bearer ".Length..] != ActionsRequestToken)
        {
            return Results.StatusCode(401);
        }

        var audience = request.Query["audience"].ToString();
        if (audience.Length == 0)
        {
            return Results.BadRequest();
        }

        lock (_gate)
        {
            ActionsAudiencesRequested.Add(audience);
        }

        // Every token GitHub hands out has an id of its own.
        var claims = new Dictionary<string, object>(ActionsClaims) { ["jti"] = Guid.NewGuid().ToString("D") };
        return Results.Json(new { count = 1, value = Mint(audience, claims) });
    }

    private static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N")[..16] };

    private static string Base64Url(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
