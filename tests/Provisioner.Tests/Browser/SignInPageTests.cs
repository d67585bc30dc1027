using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;
using Provisioner.Tests.Identity;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// The status page in real Chromium with sign-in configured (config.json's "auth") against the
/// runner with <c>AUTH_MODE=entra</c> and the test issuer. The redirect to Entra ID cannot happen
/// here, so where a signed-in person is needed the library is replaced by a stand-in that holds an
/// account and hands out a token minted by the test issuer; the page's own code is unchanged.
/// </summary>
public sealed class SignInPageTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private TestIssuer _issuer = null!;
    private Runner _runner = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private readonly List<string> _apiCalls = [];
    private readonly List<string> _pageErrors = [];

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _issuer = await TestIssuer.StartAsync();
        _runner = await Runner.StartAsync(_azurite, EntraRunner.Settings(_issuer), statusPage: true);
        _context = await chromium.Browser.NewContextAsync();
        _page = await _context.NewPageAsync();
        _page.SetDefaultTimeout(30_000);

        // The page's sign-in settings, as infra/hooks/write-web-config.sh writes them on deploy.
        var config = JsonSerializer.Serialize(new
        {
            apiBaseUrl = "",
            auth = new { clientId = Guid.NewGuid().ToString("D"), authority = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", scope = "api://provisioner-tests/access_as_user" },
        });
        await _page.RouteAsync("**/config.json", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = config }));
        await _page.RouteAsync("https://login.microsoftonline.com/**", route => route.AbortAsync());
        _page.PageError += (_, error) => _pageErrors.Add(error);
        _page.Console += (_, message) => _pageErrors.Add(message.Text);
        _page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/", StringComparison.Ordinal))
            {
                _apiCalls.Add(request.Url);
            }
        };
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _runner.DisposeAsync();
        await _issuer.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    /// <summary>Stands in for MSAL: one account, and the given token for every request.</summary>
    private async Task SignInAsAsync(string name, string token) =>
        await _page.AddInitScriptAsync($$"""
            window.msal = {
              InteractionRequiredAuthError: class extends Error {},
              createStandardPublicClientApplication: async () => ({
                handleRedirectPromise: async () => null,
                getAllAccounts: () => [{ name: {{JsonSerializer.Serialize(name)}}, username: 'person@example.com' }],
                setActiveAccount: () => {},
                acquireTokenSilent: async () => ({ accessToken: {{JsonSerializer.Serialize(token)}} }),
                loginRedirect: async () => {},
                logoutRedirect: async () => {},
              }),
            };
            """);

    [Fact]
    public async Task SignedOut_ShowsTheSignIn_AndCallsNoApi()
    {
        await _page.GotoAsync(_runner.Client.BaseAddress!.AbsoluteUri);

        await Eventually.WaitAsync(() => _page.IsVisibleAsync("#signed-out"), visible => visible, TimeSpan.FromSeconds(15), "the signed-out card");
        await Assertions.Expect(_page.Locator("#sign-in")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#create")).ToBeHiddenAsync();
        Assert.True(await _page.EvaluateAsync<bool>("() => typeof window.msal?.createStandardPublicClientApplication === 'function'"), "the vendored MSAL bundle was loaded");
        Assert.Empty(_pageErrors);
        Assert.Empty(_apiCalls);
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "sign-in-signed-out.png"), FullPage = true });
        await Axe.AssertNoSeriousViolationsAsync(_page, "signed out");
    }

    [Fact]
    public async Task Reader_CreatingAJob_SeesA403AsSuch_AndCanStillFollowAJob()
    {
        await SignInAsAsync("Rita Reader", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader, name: "Rita Reader"));
        await _page.GotoAsync(_runner.Client.BaseAddress!.AbsoluteUri);
        await Assertions.Expect(_page.Locator("#account-name")).ToHaveTextAsync("Signed in as Rita Reader");

        await _page.FillAsync("#agent-id", Runner.NewAgentId());
        await _page.ClickAsync("#create-button");

        var error = _page.Locator("#create-error");
        await Assertions.Expect(error).ToBeVisibleAsync();
        await Assertions.Expect(error).ToContainTextAsync("not allowed");
        await Assertions.Expect(error).ToContainTextAsync("Provisioner.Operator");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "sign-in-403.png"), FullPage = true });

        // Reading is allowed: the page sends the token on its polls too.
        var job = (await Runner.ReadJsonAsync(await _runner.CreateAsync(_issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, name: "Otto Operator")))).GetProperty("job_id").GetGuid();
        await _page.GotoAsync($"{_runner.Client.BaseAddress!.AbsoluteUri}?job_id={job}");
        await Assertions.Expect(_page.Locator("#job-id")).ToHaveTextAsync(job.ToString());
    }

    [Fact]
    public async Task Reader_CancellingAJob_SeesThe403InPlace_AndTheJobIsUnchanged()
    {
        var job = (await Runner.ReadJsonAsync(await _runner.CreateAsync(_issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, name: "Otto Operator")))).GetProperty("job_id").GetGuid();
        await SignInAsAsync("Rita Reader", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader, name: "Rita Reader"));
        await _page.GotoAsync($"{_runner.Client.BaseAddress!.AbsoluteUri}?job_id={job}");

        // The action carries the person's token: a Reader is refused for the role (403), not for a missing token (401).
        await _page.ClickAsync("#cancel-button");
        await _page.ClickAsync("#confirm-yes");
        var message = _page.Locator("#action-message[data-kind=error]");
        await Assertions.Expect(message).ToContainTextAsync("not allowed");
        await Assertions.Expect(message).ToContainTextAsync("Provisioner.Operator");
        await Assertions.Expect(_page.Locator("#status")).ToHaveAttributeAsync("data-status", "queued");
        Assert.Contains(_apiCalls, url => url.EndsWith($"/api/jobs/{job}/cancel", StringComparison.Ordinal));
    }

    /// <summary>An Operator's job whose server runs with a 30-minute lifetime (callbacks signed as the workflow signs them).</summary>
    private async Task<Guid> RunningJobWithALifetimeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs")
        {
            Content = JsonContent.Create(new { agent_id = Runner.NewAgentId(), region = "eu-central", ttl_minutes = 30 }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, name: "Otto Operator"));
        using var created = await _runner.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
        foreach (var fields in new[] { "\"status\":\"provisioning\",\"workflow_run_id\":\"4242\"", "\"status\":\"running\",\"server_id\":\"4242\",\"server_ip\":\"203.0.113.42\",\"tailscale_ip\":\"100.64.0.42\"" })
        {
            using var sent = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}");
            Assert.True(sent.StatusCode == HttpStatusCode.OK, await sent.Content.ReadAsStringAsync());
        }

        return job;
    }

    private async Task<DateTimeOffset> ExpiresAtAsync(Guid job)
    {
        using var answer = await _runner.GetAsync($"/api/jobs/{job}", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader));
        return (await Runner.ReadJsonAsync(answer)).GetProperty("expires_at").GetDateTimeOffset();
    }

    [Fact]
    public async Task Operator_FollowingARunningServer_SeesExtend_AndExtendingMovesTheEnd()
    {
        var job = await RunningJobWithALifetimeAsync();
        await SignInAsAsync("Otto Operator", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, name: "Otto Operator"));
        await _page.GotoAsync($"{_runner.Client.BaseAddress!.AbsoluteUri}?job_id={job}");
        await Assertions.Expect(_page.Locator("#expires-fact")).ToBeVisibleAsync();

        await Assertions.Expect(_page.Locator("#extend-button")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#extend-note")).ToBeHiddenAsync();
        var before = await ExpiresAtAsync(job);
        await _page.ClickAsync("#extend-button");
        await Assertions.Expect(_page.Locator("#extend-message")).ToContainTextAsync("Extended");
        Assert.InRange(await ExpiresAtAsync(job) - before, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(62));
        Assert.Contains(_apiCalls, url => url.EndsWith("/server", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reader_FollowingARunningServer_SeesTheTimeLeft_AndNoExtend()
    {
        var job = await RunningJobWithALifetimeAsync();
        await SignInAsAsync("Rita Reader", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader, name: "Rita Reader"));
        await _page.GotoAsync($"{_runner.Client.BaseAddress!.AbsoluteUri}?job_id={job}");
        await Assertions.Expect(_page.Locator("#expires-fact")).ToBeVisibleAsync();

        await Assertions.Expect(_page.Locator("#expires")).ToContainTextAsync("left");
        await Assertions.Expect(_page.Locator("#extend-note")).ToHaveTextAsync("An Operator can extend it.");
        await Assertions.Expect(_page.Locator("#extend-button")).ToBeHiddenAsync();
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "sign-in-reader-lifetime.png"), FullPage = true });
        await Axe.AssertNoSeriousViolationsAsync(_page, "a Reader's running server");
        Assert.DoesNotContain(_apiCalls, url => url.EndsWith("/server", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExpiredSignIn_FollowingAJob_SaysToSignInAgain()
    {
        await SignInAsAsync("Rita Reader", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader, expiresIn: TimeSpan.FromMinutes(-5)));
        await _page.GotoAsync($"{_runner.Client.BaseAddress!.AbsoluteUri}?job_id={Guid.NewGuid()}");

        await Assertions.Expect(_page.Locator("#missing-title")).ToHaveTextAsync("Not allowed");
        await Assertions.Expect(_page.Locator("#missing-text")).ToContainTextAsync("Sign in again");
    }

    [Fact]
    public void VendoredMsal_IsThePinnedPackagesOwnBundle()
    {
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "package.json")));
        var pinned = package.RootElement.GetProperty("devDependencies").GetProperty("@azure/msal-browser").GetString()!;
        var installed = Path.Combine(RepositoryRoot.Path, "node_modules", "@azure", "msal-browser", "lib", "msal-browser.min.js");
        var vendored = Path.Combine(RepositoryRoot.Path, "web", "vendor", "msal-browser.min.js");

        Assert.StartsWith($"/*! @azure/msal-browser v{pinned} ", File.ReadAllText(vendored), StringComparison.Ordinal);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(installed)), SHA256.HashData(File.ReadAllBytes(vendored)));
    }
}
