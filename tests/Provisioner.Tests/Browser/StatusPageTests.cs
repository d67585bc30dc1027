using System.Net;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>The status page in real Chromium against the runner, Azurite and the simulated workflow.</summary>
public sealed class StatusPageTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly List<Runner> _runners = [];
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 900, Height = 1000 } });
        _page = await _context.NewPageAsync();
        _page.SetDefaultTimeout(30_000);
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        foreach (var runner in _runners)
        {
            await runner.DisposeAsync();
        }

        await _azurite.DisposeAsync();
    }

    private async Task<Runner> StartRunnerAsync(bool dispatch, string failAt = "", int? port = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobs.DispatchJob.Disabled"] = dispatch ? "false" : "true",
            ["SIMULATOR_STEP_DELAY_MS"] = "300",
            ["SIMULATOR_FAIL_AT"] = failAt,
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        };
        var runner = await Runner.StartAsync(_azurite, settings, port: port, statusPage: true);
        _runners.Add(runner);
        return runner;
    }

    private async Task<string> StatesAsync() =>
        string.Join(' ', await _page.Locator("#steps li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.state)"));

    private Task<byte[]> ScreenshotAsync(string name) =>
        _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, name), FullPage = true });

    [Fact]
    public async Task Form_CreatesAJob_AndItsStepsAdvanceToRunning()
    {
        var runner = await StartRunnerAsync(dispatch: true);
        await _page.GotoAsync(runner.Client.BaseAddress!.AbsoluteUri);

        // Record every status the page shows, to check it only ever moves forward.
        await _page.EvaluateAsync("""
            window.seen = [];
            new MutationObserver(() => {
              const status = document.getElementById('status').dataset.status;
              if (status && window.seen.at(-1) !== status) window.seen.push(status);
            }).observe(document.getElementById('status'), { attributes: true });
            """);
        await _page.FillAsync("#agent-id", Runner.NewAgentId());
        await _page.FillAsync("#region", "eu-central");
        await _page.ClickAsync("#create-button");

        await _page.WaitForSelectorAsync("#job:not([hidden]), #create-error:not([hidden])");
        Assert.True(await _page.IsVisibleAsync("#job"), "the job is shown, not an error: " + await _page.TextContentAsync("#create-error"));
        Assert.Contains("?job_id=", _page.Url, StringComparison.Ordinal);
        await _page.WaitForSelectorAsync("#status[data-status=running]");
        var seen = await _page.EvaluateAsync<string[]>("window.seen");
        Assert.Equal("queued", seen[0]);
        Assert.Equal("running", seen[^1]);
        var order = new[] { "queued", "provisioning", "running" };
        Assert.Equal(seen.OrderBy(s => Array.IndexOf(order, s)), seen);

        Assert.Equal("completed completed completed completed completed", await StatesAsync());
        Assert.Equal("Running", await _page.TextContentAsync("#status"));
        Assert.True(await _page.IsVisibleAsync("#server"));
        Assert.StartsWith("203.0.113.", await _page.TextContentAsync("#server-ip"), StringComparison.Ordinal);
        Assert.StartsWith("100.64.", await _page.TextContentAsync("#tailscale-ip"), StringComparison.Ordinal);
        Assert.NotEqual("–", await _page.TextContentAsync("#heartbeat"));
        Assert.Equal(5, await _page.Locator("#steps li .step-time:not(:empty)").CountAsync());
        Assert.Contains("running", await _page.TextContentAsync("#announcer"), StringComparison.Ordinal);
        await ScreenshotAsync("status-running.png");
    }

    [Fact]
    public async Task FailingJob_ShowsTheErrorOnTheStepThatFailed()
    {
        var runner = await StartRunnerAsync(dispatch: true, failAt: "configure");
        var job = await runner.NewJobAsync();
        await _page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");

        await _page.WaitForSelectorAsync("#status[data-status=failed]");
        Assert.Equal("completed completed completed error pending", await StatesAsync());
        var error = await _page.TextContentAsync("#steps li[data-step=configuring] .step-error");
        Assert.Contains("health check", error, StringComparison.Ordinal);
        Assert.Contains("failed step: configure", error, StringComparison.Ordinal);
        Assert.Equal(1, await _page.Locator(".step-error").CountAsync());
        Assert.Contains("failed at Configuring Agent", await _page.TextContentAsync("#announcer"), StringComparison.Ordinal);
        await ScreenshotAsync("status-failed.png");
    }

    [Fact]
    public async Task Poll_AnsweredWith304_LeavesThePageUnchanged()
    {
        var runner = await StartRunnerAsync(dispatch: false);
        var job = await runner.NewJobAsync();
        var notModified = new TaskCompletionSource();
        _page.Response += (_, response) =>
        {
            if (response.Url.Contains($"/api/jobs/{job}", StringComparison.Ordinal) && response.Status == 304)
            {
                notModified.TrySetResult();
            }
        };

        await _page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");
        await _page.WaitForSelectorAsync("#job[data-renders='1']");
        var before = await StatesAsync();
        await notModified.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(200);

        Assert.Equal("1", await _page.GetAttributeAsync("#job", "data-renders"));
        Assert.Equal(before, await StatesAsync());

        // A change is drawn on the next poll.
        var claim = await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"77\",\"workflow_run_url\":\"https://github.com/octo/infra/actions/runs/77\"}}");
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        await _page.WaitForSelectorAsync("#job[data-renders='2']");
        Assert.Equal("completed active pending pending pending", await StatesAsync());
        Assert.Equal("https://github.com/octo/infra/actions/runs/77", await _page.GetAttributeAsync("#run-link a", "href"));
    }

    [Fact]
    public async Task ApiGoingAway_ShowsReconnecting_AndRecovers()
    {
        var port = Azurite.FreePort();
        var first = await StartRunnerAsync(dispatch: false, port: port);
        var job = await first.NewJobAsync();
        await _page.GotoAsync($"{first.Client.BaseAddress}?job_id={job}");
        await _page.WaitForSelectorAsync("#job[data-renders='1']");

        _runners.Remove(first);
        await first.DisposeAsync();
        await _page.WaitForSelectorAsync("#notice:not([hidden])");
        Assert.Contains("Reconnecting", await _page.TextContentAsync("#notice"), StringComparison.Ordinal);
        Assert.Equal("active pending pending pending pending", await StatesAsync());

        var second = await StartRunnerAsync(dispatch: false, port: port);
        await _page.WaitForSelectorAsync("#notice", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden, Timeout = 40_000 });
        Assert.Equal(HttpStatusCode.OK, (await second.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\"}}")).StatusCode);
        await _page.WaitForSelectorAsync("#steps li[data-step=installing][data-state=active]");
    }

    [Fact]
    public async Task AgentView_FollowsTheAgentsNewestJob()
    {
        var runner = await StartRunnerAsync(dispatch: false);
        var agent = Runner.NewAgentId();
        var job = await runner.NewJobAsync(agent);
        await _page.GotoAsync($"{runner.Client.BaseAddress}?agent_id={agent}");
        await _page.WaitForSelectorAsync("#job[data-renders='1']");
        Assert.Equal(job.ToString(), await _page.TextContentAsync("#job-id"));
        Assert.Equal(agent, await _page.TextContentAsync("#agent-name"));
    }

    [Fact]
    public async Task Form_InvalidInputOrBusyAgent_SaysWhatToDo()
    {
        var runner = await StartRunnerAsync(dispatch: false);
        await _page.GotoAsync(runner.Client.BaseAddress!.AbsoluteUri);
        await _page.FillAsync("#agent-id", "not valid!");
        await _page.ClickAsync("#create-button");
        Assert.Contains("Agent id", await _page.TextContentAsync("#create-error"), StringComparison.Ordinal);

        var agent = Runner.NewAgentId();
        var existing = await runner.NewJobAsync(agent);
        await _page.FillAsync("#agent-id", agent);
        await _page.ClickAsync("#create-button");
        await _page.WaitForSelectorAsync("#create-error a");
        Assert.Contains(existing.ToString(), await _page.TextContentAsync("#create-error"), StringComparison.Ordinal);
        Assert.Equal($"?job_id={existing}", await _page.GetAttributeAsync("#create-error a", "href"));
    }
}
