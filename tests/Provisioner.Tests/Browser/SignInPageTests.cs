using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
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
                _apiCalls.Add($"{request.Method} {request.Url}");
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

    /// <summary>
    /// Stands in for MSAL: one account, and the given token for every request; with
    /// <paramref name="laterToken"/>, the first token only for the first request (the page's look at
    /// the roles) and the later one after it, as when a role is withdrawn while the page is open.
    /// </summary>
    private async Task SignInAsAsync(string name, string token, string? laterToken = null) =>
        await _page.AddInitScriptAsync($$"""
            (() => {
              const tokens = [{{JsonSerializer.Serialize(token)}}, {{JsonSerializer.Serialize(laterToken ?? token)}}];
              let handedOut = 0;
              window.msal = {
                InteractionRequiredAuthError: class extends Error {},
                createStandardPublicClientApplication: async () => ({
                  handleRedirectPromise: async () => null,
                  getAllAccounts: () => [{ name: {{JsonSerializer.Serialize(name)}}, username: 'person@example.com' }],
                  setActiveAccount: () => {},
                  acquireTokenSilent: async () => ({ accessToken: tokens[Math.min(handedOut++, 1)] }),
                  loginRedirect: async () => {},
                  logoutRedirect: async () => {},
                }),
              };
            })();
            """);

    private string Token(string[] roles, string name) => _issuer.PersonToken(EntraRunner.Audience, roles, name: name);

    private string OperatorToken => Token(EntraRunner.Operator, "Otto Operator");

    private string ReaderToken => Token(EntraRunner.Reader, "Rita Reader");

    /// <summary>The API calls the page made that change something (anything but GET).</summary>
    private List<string> Changes => _apiCalls.Where(call => !call.StartsWith("GET ", StringComparison.Ordinal)).ToList();

    private async Task<Guid> QueuedJobAsync() =>
        (await Runner.ReadJsonAsync(await _runner.CreateAsync(OperatorToken))).GetProperty("job_id").GetGuid();

    private async Task CallbackAsync(Guid job, string fields)
    {
        using var sent = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}");
        Assert.True(sent.StatusCode == HttpStatusCode.OK, await sent.Content.ReadAsStringAsync());
    }

    private async Task<string> StatusAsync(Guid job)
    {
        using var answer = await _runner.GetAsync($"/api/jobs/{job}", ReaderToken);
        return (await Runner.ReadJsonAsync(answer)).GetProperty("status").GetString()!;
    }

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

    private string Base => _runner.Client.BaseAddress!.AbsoluteUri;

    [Fact]
    public async Task Reader_IsOfferedNoCreateForm_AndFollowsAJobByItsId()
    {
        var job = await QueuedJobAsync();
        await SignInAsAsync("Rita Reader", ReaderToken);
        await _page.GotoAsync(Base);
        await Assertions.Expect(_page.Locator("#account-name")).ToHaveTextAsync("Signed in as Rita Reader");

        // Creating a job needs the Operator role: no form, a line saying so, and a way to follow a job.
        await Assertions.Expect(_page.Locator("#create-note")).ToContainTextAsync("An Operator can provision an agent.");
        await Assertions.Expect(_page.Locator("#create-form")).ToBeHiddenAsync();
        await Assertions.Expect(_page.Locator("#create-button")).ToBeHiddenAsync();
        await Assertions.Expect(_page.Locator("#follow-job-id")).ToBeFocusedAsync();
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "sign-in-reader-start.png"), FullPage = true });
        await Axe.AssertNoSeriousViolationsAsync(_page, "a Reader's start page");

        // Reading is allowed: the page sends the token on its polls too.
        await _page.FillAsync("#follow-job-id", job.ToString());
        await _page.ClickAsync("#follow-button");
        await Assertions.Expect(_page.Locator("#job-id")).ToHaveTextAsync(job.ToString());
        Assert.Contains($"job_id={job}", _page.Url, StringComparison.Ordinal);
        Assert.Empty(Changes);
    }

    [Fact]
    public async Task Reader_FollowingJobs_IsOfferedNoCancelOrRetry_AndSendsNoChange()
    {
        var queued = await QueuedJobAsync();
        var failed = await QueuedJobAsync();
        await CallbackAsync(failed, "\"status\":\"provisioning\",\"workflow_run_id\":\"4343\"");
        await CallbackAsync(failed, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        await CallbackAsync(failed, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");
        await SignInAsAsync("Rita Reader", ReaderToken);

        await _page.GotoAsync($"{Base}?job_id={queued}");
        await Assertions.Expect(_page.Locator("#operator-note")).ToHaveTextAsync("An Operator can cancel this run.");
        Assert.Equal(0, await _page.Locator("#cancel-button").CountAsync());
        await Axe.AssertNoSeriousViolationsAsync(_page, "a Reader's job in flight");

        await _page.GotoAsync($"{Base}?job_id={failed}");
        await Assertions.Expect(_page.Locator("#status")).ToHaveAttributeAsync("data-status", "failed");
        await Assertions.Expect(_page.Locator("#operator-note")).ToHaveTextAsync("An Operator can retry it.");
        Assert.Equal(0, await _page.Locator("#retry-button, #retry-step-button").CountAsync());
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "sign-in-reader-failed.png"), FullPage = true });
        await Axe.AssertNoSeriousViolationsAsync(_page, "a Reader's failed job");

        Assert.Empty(Changes);
        Assert.Equal("queued", await StatusAsync(queued));
        Assert.Equal("failed", await StatusAsync(failed));
    }

    [Fact]
    public async Task Operator_CreatesAJobFromTheForm_AndCancelsIt()
    {
        await SignInAsAsync("Otto Operator", OperatorToken);
        await _page.GotoAsync(Base);
        await Assertions.Expect(_page.Locator("#create-form")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#follow")).ToBeHiddenAsync();

        await _page.FillAsync("#agent-id", Runner.NewAgentId());
        await _page.ClickAsync("#create-button");
        await Assertions.Expect(_page.Locator("#job")).ToBeVisibleAsync();
        var job = Guid.Parse((await _page.Locator("#job-id").TextContentAsync())!);
        Assert.Contains(Changes, call => call == $"POST {Base}api/jobs");

        await _page.ClickAsync("#cancel-button");
        await _page.ClickAsync("#confirm-yes");
        await Assertions.Expect(_page.Locator("#status")).ToHaveAttributeAsync("data-status", new Regex("^cancell(ing|ed)$"));
        Assert.Matches("^cancell(ing|ed)$", await StatusAsync(job));
        Assert.Contains(Changes, call => call == $"POST {Base}api/jobs/{job}/cancel");
        Assert.Equal(0, await _page.Locator("#operator-note").CountAsync());
    }

    [Fact]
    public async Task RoleWithdrawnWhileThePageIsOpen_TheApiStillRefuses_AndThe403ReadsAsSuchInPlace()
    {
        var job = await QueuedJobAsync();
        await SignInAsAsync("Otto Operator", OperatorToken, laterToken: ReaderToken);
        await _page.GotoAsync($"{Base}?job_id={job}");

        // The page offered Cancel from the first token; the action carries the later one, and the
        // API refuses it for the role (403), not for a missing token (401).
        await _page.ClickAsync("#cancel-button");
        await _page.ClickAsync("#confirm-yes");
        var message = _page.Locator("#action-message[data-kind=error]");
        await Assertions.Expect(message).ToContainTextAsync("not allowed");
        await Assertions.Expect(message).ToContainTextAsync("Provisioner.Operator");
        await Assertions.Expect(_page.Locator("#status")).ToHaveAttributeAsync("data-status", "queued");
        Assert.Equal("queued", await StatusAsync(job));
        Assert.Contains(Changes, call => call == $"POST {Base}api/jobs/{job}/cancel");

        // The form likewise.
        await _page.GotoAsync(Base);
        await _page.FillAsync("#agent-id", Runner.NewAgentId());
        await _page.ClickAsync("#create-button");
        var error = _page.Locator("#create-error");
        await Assertions.Expect(error).ToBeVisibleAsync();
        await Assertions.Expect(error).ToContainTextAsync("not allowed");
        await Assertions.Expect(error).ToContainTextAsync("Provisioner.Operator");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "sign-in-403.png"), FullPage = true });
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
        await Assertions.Expect(_page.Locator("#remove-server-button")).ToBeVisibleAsync();
        Assert.Equal(0, await _page.Locator("#operator-note").CountAsync());
        var before = await ExpiresAtAsync(job);
        await _page.ClickAsync("#extend-button");
        await Assertions.Expect(_page.Locator("#extend-message")).ToContainTextAsync("Extended");
        Assert.InRange(await ExpiresAtAsync(job) - before, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(62));
        Assert.Contains(_apiCalls, url => url.EndsWith("/server", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reader_FollowingARunningServer_SeesTheTimeLeft_AndNoExtendOrRemove()
    {
        var job = await RunningJobWithALifetimeAsync();
        await SignInAsAsync("Rita Reader", _issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader, name: "Rita Reader"));
        await _page.GotoAsync($"{_runner.Client.BaseAddress!.AbsoluteUri}?job_id={job}");
        await Assertions.Expect(_page.Locator("#expires-fact")).ToBeVisibleAsync();

        await Assertions.Expect(_page.Locator("#expires")).ToContainTextAsync("left");
        await Assertions.Expect(_page.Locator("#extend-note")).ToHaveTextAsync("An Operator can extend it.");
        await Assertions.Expect(_page.Locator("#extend-button")).ToBeHiddenAsync();
        await Assertions.Expect(_page.Locator("#operator-note")).ToHaveTextAsync("An Operator can remove its server.");
        Assert.Equal(0, await _page.Locator("#remove-server-button").CountAsync());
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "sign-in-reader-lifetime.png"), FullPage = true });
        await Axe.AssertNoSeriousViolationsAsync(_page, "a Reader's running server");
        Assert.Empty(Changes);
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
