using System.Net;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>The status page in real Chromium against the runner, Azurite and the simulated workflow.</summary>
public sealed class StatusPageTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly BrowserPage _browser = new(chromium);

    private IPage Page => _browser.Page;

    public Task InitializeAsync() => _browser.InitializeAsync();

    public Task DisposeAsync() => _browser.DisposeAsync();

    private async Task<Runner> StartRunnerAsync(bool dispatch, string failAt = "", int? port = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobs.DispatchJob.Disabled"] = dispatch ? "false" : "true",
            ["SIMULATOR_STEP_DELAY_MS"] = "300",
            ["SIMULATOR_FAIL_AT"] = failAt,
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            // The run link is built from these and the run id, never taken from a callback body (issue 23, item 9).
            ["GITHUB_OWNER"] = "octo",
            ["GITHUB_REPO"] = "infra",
        };
        return await _browser.StartRunnerAsync(settings, port: port);
    }

    private async Task<string> StatesAsync() =>
        string.Join(' ', await Page.Locator("#steps li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.state)"));

    private Task<byte[]> ScreenshotAsync(string name) => _browser.ScreenshotAsync(name);

    [Fact]
    public async Task Form_CreatesAJob_AndItsStepsAdvanceToRunning()
    {
        var runner = await StartRunnerAsync(dispatch: true);
        await Page.GotoAsync(runner.Client.BaseAddress!.AbsoluteUri);

        // Record every status the page shows, to check it only ever moves forward.
        await Page.EvaluateAsync("""
            window.seen = [];
            new MutationObserver(() => {
              const status = document.getElementById('status').dataset.status;
              if (status && window.seen.at(-1) !== status) window.seen.push(status);
            }).observe(document.getElementById('status'), { attributes: true });
            """);
        await Page.FillAsync("#agent-id", Runner.NewAgentId());
        await Page.FillAsync("#region", "eu-central");
        await Page.ClickAsync("#create-button");

        await Page.WaitForSelectorAsync("#job:not([hidden]), #create-error:not([hidden])");
        Assert.True(await Page.IsVisibleAsync("#job"), "the job is shown, not an error: " + await Page.TextContentAsync("#create-error"));
        Assert.Contains("?job_id=", Page.Url, StringComparison.Ordinal);
        await Page.WaitForSelectorAsync("#status[data-status=running]");
        var seen = await Page.EvaluateAsync<string[]>("window.seen");
        Assert.Equal("queued", seen[0]);
        Assert.Equal("running", seen[^1]);
        var order = new[] { "queued", "provisioning", "running" };
        Assert.Equal(seen.OrderBy(s => Array.IndexOf(order, s)), seen);

        Assert.Equal("completed completed completed completed completed", await StatesAsync());
        Assert.Equal("Running", await Page.TextContentAsync("#status"));
        Assert.True(await Page.IsVisibleAsync("#server"));
        Assert.StartsWith("203.0.113.", await Page.TextContentAsync("#server-ip"), StringComparison.Ordinal);
        Assert.StartsWith("100.64.", await Page.TextContentAsync("#tailscale-ip"), StringComparison.Ordinal);
        Assert.NotEqual("–", await Page.TextContentAsync("#heartbeat"));
        Assert.Equal(5, await Page.Locator("#steps li .step-time:not(:empty)").CountAsync());
        Assert.Contains("running", await Page.TextContentAsync("#announcer"), StringComparison.Ordinal);
        await ScreenshotAsync("status-running.png");
    }

    [Fact]
    public async Task FailingJob_ShowsTheErrorOnTheStepThatFailed()
    {
        var runner = await StartRunnerAsync(dispatch: true, failAt: "configure");
        var job = await runner.NewJobAsync();
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");

        await Page.WaitForSelectorAsync("#status[data-status=failed]");
        Assert.Equal("completed completed completed error pending", await StatesAsync());
        var error = await Page.TextContentAsync("#steps li[data-step=configuring] .step-error");
        Assert.Contains("health check", error, StringComparison.Ordinal);
        Assert.Contains("failed step: configure", error, StringComparison.Ordinal);
        Assert.Equal(1, await Page.Locator(".step-error").CountAsync());
        Assert.Contains("failed at Configuring Agent", await Page.TextContentAsync("#announcer"), StringComparison.Ordinal);
        await ScreenshotAsync("status-failed.png");
    }

    [Fact]
    public async Task JobPage_FollowsTheEventStream_WithoutPollingTheDocument()
    {
        var runner = await StartRunnerAsync(dispatch: false);
        var job = await runner.NewJobAsync();
        var polls = 0;
        var streams = 0;
        Page.Request += (_, request) =>
        {
            polls += request.Url.EndsWith($"/api/jobs/{job}", StringComparison.Ordinal) ? 1 : 0;
            streams += request.Url.EndsWith($"/api/jobs/{job}/events", StringComparison.Ordinal) ? 1 : 0;
        };

        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#status[data-status=queued]");
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"78\"}}")).StatusCode);
        await Page.WaitForSelectorAsync("#steps li[data-step=creating][data-state=active]");
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"}}")).StatusCode);
        await Page.WaitForSelectorAsync("#status[data-status=failed]");

        Assert.Equal(0, polls);
        Assert.Equal(1, streams);
    }

    [Fact]
    public async Task Poll_AnsweredWith304_LeavesThePageUnchanged()
    {
        var runner = await StartRunnerAsync(dispatch: false);
        var job = await runner.NewJobAsync();
        var notModified = new TaskCompletionSource();
        await Page.RouteAsync("**/events", route => route.AbortAsync()); // no event stream: the page falls back to polling, which this is about
        Page.Response += (_, response) =>
        {
            if (response.Url.Contains($"/api/jobs/{job}", StringComparison.Ordinal) && response.Status == 304)
            {
                notModified.TrySetResult();
            }
        };

        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#job[data-renders='1']");
        var before = await StatesAsync();
        await notModified.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(200);

        Assert.Equal("1", await Page.GetAttributeAsync("#job", "data-renders"));
        Assert.Equal(before, await StatesAsync());

        // A change is drawn on the next poll.
        var claim = await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"77\",\"workflow_run_url\":\"https://evil.example/\"}}");
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        await Page.WaitForSelectorAsync("#job[data-renders='2']");
        Assert.Equal("completed active pending pending pending", await StatesAsync());
        Assert.Equal("https://github.com/octo/infra/actions/runs/77", await Page.GetAttributeAsync("#run-link a", "href"));
    }

    [Fact]
    public async Task ApiGoingAway_ShowsReconnecting_AndRecovers()
    {
        var port = Azurite.FreePort();
        var first = await StartRunnerAsync(dispatch: false, port: port);
        var job = await first.NewJobAsync();
        await Page.GotoAsync($"{first.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#job[data-renders='1']");

        await _browser.StopRunnerAsync(first);
        await Page.WaitForSelectorAsync("#notice:not([hidden])");
        Assert.Contains("Reconnecting", await Page.TextContentAsync("#notice"), StringComparison.Ordinal);
        Assert.Equal("active pending pending pending pending", await StatesAsync());

        var second = await StartRunnerAsync(dispatch: false, port: port);
        await Page.WaitForSelectorAsync("#notice", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden, Timeout = 40_000 });
        Assert.Equal(HttpStatusCode.OK, (await second.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\"}}")).StatusCode);
        await Page.WaitForSelectorAsync("#steps li[data-step=installing][data-state=active]");
    }

    [Fact]
    public async Task AgentView_FollowsTheAgentsNewestJob()
    {
        var runner = await StartRunnerAsync(dispatch: false);
        var agent = Runner.NewAgentId();
        var job = await runner.NewJobAsync(agent);
        await Page.GotoAsync($"{runner.Client.BaseAddress}?agent_id={agent}");
        await Page.WaitForSelectorAsync("#job[data-renders='1']");
        Assert.Equal(job.ToString(), await Page.TextContentAsync("#job-id"));
        Assert.Equal(agent, await Page.TextContentAsync("#agent-name"));
    }

    [Fact]
    public async Task Form_InvalidInputOrBusyAgent_SaysWhatToDo()
    {
        var runner = await StartRunnerAsync(dispatch: false);
        await Page.GotoAsync(runner.Client.BaseAddress!.AbsoluteUri);
        await Page.FillAsync("#agent-id", "not valid!");
        await Page.ClickAsync("#create-button");
        Assert.Contains("Agent id", await Page.TextContentAsync("#create-error"), StringComparison.Ordinal);

        var agent = Runner.NewAgentId();
        var existing = await runner.NewJobAsync(agent);
        await Page.FillAsync("#agent-id", agent);
        await Page.ClickAsync("#create-button");
        await Page.WaitForSelectorAsync("#create-error a");
        Assert.Contains(existing.ToString(), await Page.TextContentAsync("#create-error"), StringComparison.Ordinal);
        Assert.Equal($"?job_id={existing}", await Page.GetAttributeAsync("#create-error a", "href"));
    }
}
