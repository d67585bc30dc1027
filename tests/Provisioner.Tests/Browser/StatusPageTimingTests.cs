using System.Net;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// The page's step durations, estimate, slow marker, waiting-for-a-runner notice and failure
/// reasons, in real Chromium against the runner and Azurite. Runs are played by signed
/// callbacks on the app's fake clock, which is then set to the browser's time so "min left"
/// reads true.
/// </summary>
public sealed class StatusPageTimingTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow.AddHours(-2));
    private readonly string _region = "page-" + Guid.NewGuid().ToString("N")[..8];
    private readonly BrowserPage _browser = new(chromium, height: 1000);
    private Runner _runner = null!;

    private IPage Page => _browser.Page;

    public async Task InitializeAsync()
    {
        await _browser.InitializeAsync();
        _runner = await _browser.StartRunnerAsync(time: _time);
    }

    public Task DisposeAsync() => _browser.DisposeAsync();

    private async Task<Guid> NewJobAsync()
    {
        var (response, body) = await _runner.CreateJobAsync(Runner.NewAgentId(), _region);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return body.GetProperty("job_id").GetGuid();
    }

    private async Task SendAsync(Guid job, string fields)
    {
        var response = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", at: _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Five successful runs: Queued 10 s, Creating 2 min, Installing 3 min, Configuring 2 min, Running 5 s.</summary>
    private async Task PlayFiveRunsAsync()
    {
        for (var i = 0; i < 5; i++)
        {
            var job = await NewJobAsync();
            _time.Advance(TimeSpan.FromSeconds(10));
            await SendAsync(job, $"\"status\":\"provisioning\",\"workflow_run_id\":\"{8000 + i}\"");
            _time.Advance(TimeSpan.FromMinutes(2));
            await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
            _time.Advance(TimeSpan.FromMinutes(3));
            await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\"");
            _time.Advance(TimeSpan.FromMinutes(2));
            await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"ansible_complete\"");
            _time.Advance(TimeSpan.FromSeconds(5));
            await SendAsync(job, "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"");
        }
    }

    [Fact]
    public async Task Page_ShowsStepDurationsAndTheEstimate()
    {
        await PlayFiveRunsAsync();
        _time.SetUtcNow(DateTimeOffset.UtcNow.AddSeconds(-80)); // the app's clock meets the browser's
        var job = await NewJobAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8100\"");
        _time.Advance(TimeSpan.FromSeconds(70));

        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#eta-fact:not([hidden])");

        // Creating Server started 70 s ago and usually takes 2 min: about 50 s + 3 + 2 min + 5 s left.
        Assert.Equal("about 6 min left", await Page.TextContentAsync("#eta"));
        Assert.Equal("usually 2 min 0 s", await Page.TextContentAsync("#steps li[data-step=creating] .step-usual"));
        Assert.Equal("10 s", await Page.TextContentAsync("#steps li[data-step=queued] .step-time"));
        Assert.Equal(string.Empty, await Page.TextContentAsync("#steps li[data-step=installing] .step-usual"));
        Assert.Equal(0, await Page.Locator(".step-slow").CountAsync());
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "status-estimate.png"), FullPage = true });
    }

    [Fact]
    public async Task Page_MarksAStepRunningPastTwiceItsUsualTimeAsSlow()
    {
        await PlayFiveRunsAsync();
        _time.SetUtcNow(DateTimeOffset.UtcNow.AddMinutes(-5));
        var job = await NewJobAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8101\"");
        _time.SetUtcNow(DateTimeOffset.UtcNow); // Creating Server has run for almost 5 minutes; it usually takes 2

        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#steps li[data-step=creating] .step-slow");
        Assert.Equal("true", await Page.GetAttributeAsync("#steps li[data-step=creating]", "data-slow"));
        Assert.Equal("false", await Page.GetAttributeAsync("#steps li[data-step=queued]", "data-slow"));
        Assert.Equal(1, await Page.Locator(".step-slow").CountAsync());

        // Late by almost 3 minutes: the estimate (its usual end + 3 min + 2 min + 5 s) is about 2 min away.
        Assert.Equal("about 2 min left", await Page.TextContentAsync("#eta"));
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, "status-slow.png"), FullPage = true });
    }

    [Fact]
    public async Task Page_WithoutFiveRuns_ShowsNoEstimate()
    {
        var job = await NewJobAsync();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8200\"");
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#status[data-status=provisioning]");
        Assert.True(await Page.IsHiddenAsync("#eta-fact"));
        Assert.Equal(string.Empty, await Page.TextContentAsync("#steps li[data-step=creating] .step-usual"));
    }

    [Fact]
    public async Task Page_DrawsTheTimingChart_WithTheFailedStepMarkedInWords_AndTheRunsViewShowsTheStatistics()
    {
        await PlayFiveRunsAsync();
        var job = await NewJobAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8600\"");
        _time.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        _time.Advance(TimeSpan.FromSeconds(30));
        await SendAsync(job, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");

        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#timing:not([hidden]) svg");
        var failed = Page.Locator("#timing-chart svg g[data-step=installing]");
        Assert.Contains("timing-error", await failed.GetAttributeAsync("class"), StringComparison.Ordinal);
        Assert.Equal("✕ failed after 30 s", await failed.Locator(".timing-value").TextContentAsync());
        Assert.Equal("url(#timing-hatch)", await failed.Locator("rect").GetAttributeAsync("fill"));
        Assert.Equal(5, await Page.Locator("#timing-chart svg .timing-usual").CountAsync()); // each step's usual time, from five runs
        var words = await Page.Locator("#timing-chart svg desc").TextContentAsync();
        Assert.Contains("Creating Server: 1 min 0 s (usually 2 min", words, StringComparison.Ordinal);
        Assert.True(words!.Contains("Installing Dependencies: failed after 30 s (usually ", StringComparison.Ordinal), words);
        Assert.Equal("img", await Page.GetAttributeAsync("#timing-chart svg", "role"));
        await _browser.ScreenshotAsync("status-timing-chart.png");

        await Page.GotoAsync($"{_runner.Client.BaseAddress}?view=runs");
        await Page.WaitForSelectorAsync("#step-stats:not([hidden])");
        var creating = Page.Locator($"#step-stats-rows tr[data-region='{_region}'][data-step=creating]");
        Assert.Equal("6", await creating.Locator(".count").TextContentAsync()); // five runs and the failed one completed it
        Assert.StartsWith("2 min", await creating.Locator(".p50").TextContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_WaitingForARunner_SaysSo()
    {
        var job = await NewJobAsync();
        await _runner.Services.GetRequiredService<JobStore>().UpdateAsync(job, j => j with { DispatchedAt = _time.GetUtcNow(), WaitingFor = "runner" }, CancellationToken.None);
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#waiting:not([hidden])");
        Assert.Equal("Waiting for a GitHub runner", await Page.TextContentAsync("#waiting"));

        // The run reports: no longer waiting.
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8300\"");
        await Page.WaitForSelectorAsync("#waiting", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden });
    }

    [Theory]
    [InlineData(FailureReason.GitHubCancelled, "The GitHub workflow run was cancelled.")]
    [InlineData(FailureReason.Silent, "The workflow stopped reporting.")]
    [InlineData(FailureReason.GitHubRunMissing, "GitHub has no workflow run for this job.")]
    public async Task Page_FailureReason_IsShownInWordsWithTheLog(object reasonValue, string words)
    {
        var reason = (FailureReason)reasonValue;
        var job = await NewJobAsync();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8400\"");
        const string log = "https://github.com/octo/infra/actions/runs/8400/job/84000";
        await _runner.Services.GetRequiredService<JobStore>().UpdateAsync(
            job,
            j => JobTransitions.Fail(j, reason, "GitHub says the run ended.", "provision", _time.GetUtcNow(), null, log),
            CancellationToken.None);

        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#status[data-status=failed]");
        var error = Page.Locator("#steps li[data-step=creating] .step-error");
        Assert.Equal(words, (await error.Locator(".error-reason").TextContentAsync())!.Trim());
        Assert.Contains("GitHub says the run ended. (failed step: provision)", await error.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(log, await error.Locator("a.error-log").GetAttributeAsync("href"));
    }
}
