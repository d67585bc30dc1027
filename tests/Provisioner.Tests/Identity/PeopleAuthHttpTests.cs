using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// People's bearer tokens over HTTP against the runner with <c>AUTH_MODE=entra</c>, from a test
/// issuer served on loopback: which tokens are refused (401 + challenge), which roles may do
/// what (403), and that the creator is recorded.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class PeopleAuthHttpTests(Azurite azurite) : IAsyncLifetime
{
    private TestIssuer _issuer = null!;

    public async Task InitializeAsync() => _issuer = await TestIssuer.StartAsync();

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    [Fact]
    public async Task Create_NoToken_Is401WithBearerChallengeAndCreatesNothing()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var agent = Runner.NewAgentId();

        var response = await runner.CreateAsync(null, agent);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        await AssertProblemAsync(response, 401);
        var check = await runner.GetAsync($"/api/agents/{agent}/provisioning", Operator());
        Assert.Equal(HttpStatusCode.NotFound, check.StatusCode);
    }

    [Fact]
    public async Task Create_DelegatedTokenWithoutTheApiScope_Is403AndCreatesNothing()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var agent = Runner.NewAgentId();
        var claims = new Dictionary<string, object> { ["oid"] = Guid.NewGuid().ToString("D"), ["roles"] = EntraRunner.Operator.ToArray(), ["scp"] = "User.Read", ["idtyp"] = "user" };

        var response = await runner.CreateAsync(_issuer.Mint(EntraRunner.Audience, claims), agent);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("claim scp", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await runner.GetAsync($"/api/agents/{agent}/provisioning", Operator())).StatusCode);

        // The same person through a client that asks for the API's scope gets in.
        claims["scp"] = "access_as_user User.Read";
        Assert.Equal(HttpStatusCode.Accepted, (await runner.CreateAsync(_issuer.Mint(EntraRunner.Audience, claims), agent)).StatusCode);
    }

    [Fact]
    public async Task Create_AppOnlyToken_CountsOnlyRolesAllowedToApplications()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var app = new Dictionary<string, object> { ["oid"] = Guid.NewGuid().ToString("D"), ["idtyp"] = "app", ["roles"] = new[] { "Provisioner.Admin" } };

        // A role the registration gives users only does not count for an app: 403.
        Assert.Equal(HttpStatusCode.Forbidden, (await runner.GetAsync($"/api/jobs/{Guid.NewGuid()}", _issuer.Mint(EntraRunner.Audience, app))).StatusCode);

        app["roles"] = new[] { "Provisioner.Reader" };
        Assert.Equal(HttpStatusCode.NotFound, (await runner.GetAsync($"/api/jobs/{Guid.NewGuid()}", _issuer.Mint(EntraRunner.Audience, app))).StatusCode);
    }

    public static TheoryData<string> RefusedTokens() => ["expired", "not yet valid", "wrong issuer", "wrong audience", "wrong signature", "alg none", "not a jwt", "basic scheme"];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Create_InvalidToken_Is401InvalidTokenAndCreatesNothing(string kind)
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var agent = Runner.NewAgentId();
        var claims = new Dictionary<string, object> { ["oid"] = "x", ["roles"] = EntraRunner.Operator };
        var token = kind switch
        {
            "expired" => _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, expiresIn: TimeSpan.FromMinutes(-5)),
            "not yet valid" => _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, notBefore: DateTimeOffset.UtcNow.AddMinutes(5), expiresIn: TimeSpan.FromMinutes(20)),
            "wrong issuer" => _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, issuer: "https://login.example.com/other/v2.0"),
            "wrong audience" => _issuer.PersonToken("api://someone-else", EntraRunner.Operator),
            "wrong signature" => _issuer.ForgedToken(EntraRunner.Audience, claims),
            "alg none" => _issuer.UnsignedToken(EntraRunner.Audience, claims),
            "not a jwt" => "not-a-jwt",
            _ => null,
        };

        HttpResponseMessage response;
        if (kind == "basic scheme")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = System.Net.Http.Json.JsonContent.Create(new { agent_id = agent, region = "eu-central" }) };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
            response = await runner.Client.SendAsync(request);
        }
        else
        {
            response = await runner.CreateAsync(token, agent);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var problem = await AssertProblemAsync(response, 401);
        if (token is not null)
        {
            Assert.DoesNotContain(token, problem.GetRawText(), StringComparison.Ordinal);
        }

        var check = await runner.GetAsync($"/api/agents/{agent}/provisioning", Operator());
        Assert.Equal(HttpStatusCode.NotFound, check.StatusCode);
    }

    [Fact]
    public async Task Create_ReaderToken_Is403AndCreatesNothing()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var agent = Runner.NewAgentId();

        var response = await runner.CreateAsync(_issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader), agent);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Bearer error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
        var problem = await AssertProblemAsync(response, 403);
        Assert.Contains("Provisioner.Operator", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await runner.GetAsync($"/api/agents/{agent}/provisioning", Operator())).StatusCode);
    }

    [Fact]
    public async Task Create_TokenWithoutRoles_Is403()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var response = await runner.CreateAsync(_issuer.PersonToken(EntraRunner.Audience, []));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await runner.GetAsync($"/api/jobs/{Guid.NewGuid()}", _issuer.PersonToken(EntraRunner.Audience, []))).StatusCode);
    }

    [Fact]
    public async Task Create_OperatorToken_CreatesAndRecordsTheCreator_ReaderReadsIt()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var oid = Guid.NewGuid().ToString("D");
        var agent = Runner.NewAgentId();

        var created = await runner.CreateAsync(_issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, objectId: oid, name: "Ada Operator"), agent);

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var body = await Runner.ReadJsonAsync(created);
        Assert.Equal(oid, body.GetProperty("created_by").GetProperty("id").GetString());
        Assert.Equal("Ada Operator", body.GetProperty("created_by").GetProperty("name").GetString());

        var reader = _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader);
        var job = body.GetProperty("job_id").GetGuid();
        var read = await runner.GetAsync($"/api/jobs/{job}", reader);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(oid, (await Runner.ReadJsonAsync(read)).GetProperty("created_by").GetProperty("id").GetString());

        var byAgent = await runner.GetAsync($"/api/agents/{agent}/provisioning", reader);
        Assert.Equal(HttpStatusCode.OK, byAgent.StatusCode);
        Assert.Equal(job, (await Runner.ReadJsonAsync(byAgent)).GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task Read_NoToken_Is401ForJobAndAgent()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        var job = (await Runner.ReadJsonAsync(await runner.CreateAsync(Operator()))).GetProperty("job_id").GetGuid();

        Assert.Equal(HttpStatusCode.Unauthorized, (await runner.GetAsync($"/api/jobs/{job}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await runner.GetAsync("/api/agents/agent-x/provisioning", null)).StatusCode);
    }

    [Fact]
    public async Task Health_NoToken_StaysOpen()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        Assert.Equal(HttpStatusCode.OK, (await runner.GetAsync("/api/health", null)).StatusCode);
    }

    [Fact]
    public async Task KeyRollover_AtTheIssuer_IsPickedUpWithoutARestart()
    {
        await using var runner = await EntraRunner.StartAsync(azurite, _issuer);
        Assert.Equal(HttpStatusCode.Accepted, (await runner.CreateAsync(Operator())).StatusCode);
        var fetchesBefore = _issuer.KeySetFetches;
        Assert.Equal(HttpStatusCode.Accepted, (await runner.CreateAsync(Operator())).StatusCode);
        Assert.Equal(fetchesBefore, _issuer.KeySetFetches);

        _issuer.RotateKeys(keepOld: false);
        var response = await runner.CreateAsync(Operator());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(_issuer.KeySetFetches > fetchesBefore, "the unknown key id made the app fetch the key set again");

        // Unknown key ids cannot make the app fetch the keys on every request: once per interval.
        var fetchesAfterRollover = _issuer.KeySetFetches;
        _issuer.RotateKeys(keepOld: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await runner.CreateAsync(Operator())).StatusCode);
        Assert.Equal(fetchesAfterRollover, _issuer.KeySetFetches);
    }

    [Fact]
    public async Task IssuerUnreachable_Is503NotA401()
    {
        var port = LoopbackPorts.Free();
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AUTH_MODE"] = "entra",
            ["AUTH_AUTHORITY"] = $"http://127.0.0.1:{port}",
            ["AUTH_AUDIENCE"] = EntraRunner.Audience,
        });

        var response = await runner.CreateAsync(Operator());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        await AssertProblemAsync(response, 503);
    }

    private string Operator() => _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator);

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Runner.ReadJsonAsync(response);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
