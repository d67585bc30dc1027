using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// The agent's health on the status page, in real Chromium against the runner and Azurite on
/// fake time: each state's badge, the checks, the age of the last report, and a running job
/// still polled (slowly) so a change shows without a reload.
/// </summary>
public sealed class HealthBadgeTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string Ok = """{"status":"ok","checks":{"service":{"status":"ok","message":"agent.service is active"},"disk":{"status":"ok","message":"64% free on /"}}}""";
    private const string Degraded = """{"status":"degraded","checks":{"service":{"status":"ok","message":"agent.service is active"},"disk":{"status":"failed","message":"<b>3%</b> free on /"}}}""";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly BrowserPage _browser = new(chromium, height: 1100);
    private Runner _runner = null!;

    private IPage Page => _browser.Page;

    public async Task InitializeAsync()
    {
        await _browser.InitializeAsync();
        _runner = await _browser.StartRunnerAsync(time: _time);
    }

    public Task DisposeAsync() => _browser.DisposeAsync();

    private Task<byte[]> ScreenshotAsync(string name) => _browser.ScreenshotAsync(name);

    private async Task SendAsync(Guid job, string fields) =>
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", at: _time.GetUtcNow())).StatusCode);

    private async Task<(Guid Job, string Agent, string Key)> RunningJobAsync()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var claim = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"77\"}}", at: _time.GetUtcNow());
        var key = (await Runner.ReadJsonAsync(claim)).GetProperty("agent_key").GetString()!;
        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.5\",\"tailscale_ip\":\"100.64.0.5\"");
        return (job, agent, key);
    }

    private async Task ReportAsync(string agent, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{agent}/health") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.NoContent, (await _runner.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task RunningJob_ShowsEachHealthState_AndFollowsChangesWhilePolling()
    {
        var (job, agent, key) = await RunningJobAsync();
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");

        await Page.WaitForSelectorAsync("#health-state[data-state=unknown]");
        Assert.Equal("Waiting for the first report", await Page.TextContentAsync("#health-state"));
        Assert.Equal("no report yet", await Page.TextContentAsync("#health-last"));
        await ScreenshotAsync("health-unknown.png");

        await ReportAsync(agent, key, Ok);
        await Page.ReloadAsync();
        await Page.WaitForSelectorAsync("#health-state[data-state=healthy]");
        Assert.Equal("Healthy", await Page.TextContentAsync("#health-state"));
        Assert.Matches(@"^\d+ s ago$", await Page.TextContentAsync("#health-last"));
        Assert.Equal("service disk", string.Join(' ', await Page.Locator("#health-checks li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.check)")));
        await ScreenshotAsync("health-healthy.png");

        // No reload: the page keeps polling a running job (Retry-After 15 s) and shows the change.
        _time.Advance(TimeSpan.FromSeconds(11));
        await ReportAsync(agent, key, Degraded);
        await Page.WaitForSelectorAsync("#health-state[data-state=degraded]", new PageWaitForSelectorOptions { Timeout = 40_000 });
        Assert.Equal("failed", await Page.GetAttributeAsync("#health-checks li[data-check=disk]", "data-status"));

        // The agent's text is text: markup in a message is shown, not rendered.
        Assert.Equal("<b>3%</b> free on /", await Page.TextContentAsync("#health-checks li[data-check=disk] .health-check-message"));
        Assert.Equal(0, await Page.Locator("#health-checks b").CountAsync());
        await ScreenshotAsync("health-degraded.png");

        _time.Advance(TimeSpan.FromMinutes(6));
        await Page.ReloadAsync();
        await Page.WaitForSelectorAsync("#health-state[data-state=unreachable]");
        Assert.Equal("Unreachable", await Page.TextContentAsync("#health-state"));
        await ScreenshotAsync("health-unreachable.png");

        await ReportAsync(agent, key, Ok);
        await Page.ReloadAsync();
        await Page.WaitForSelectorAsync("#health-state[data-state=healthy]");
        Assert.Contains("Health: Healthy", await Page.TextContentAsync("#announcer"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentView_ShowsTheHealthOfTheAgentsRunningJob_AndAQueuedJobShowsNone()
    {
        var (_, agent, key) = await RunningJobAsync();
        await ReportAsync(agent, key, Degraded);
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?agent_id={agent}");
        await Page.WaitForSelectorAsync("#health-state[data-state=degraded]");

        var queued = await _runner.NewJobAsync();
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={queued}");
        await Page.WaitForSelectorAsync("#status[data-status=queued]");
        Assert.False(await Page.IsVisibleAsync("#health"));
    }
}
