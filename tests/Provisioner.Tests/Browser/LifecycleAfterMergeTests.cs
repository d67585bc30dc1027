using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// The page's "Retry from …" and "Remove server", in real Chromium against the runner and
/// Azurite, played by signed callbacks. They need the backend for re-running from the failed
/// step (the failure callback's <c>server_id</c> + <c>server_kept_until</c>, the document's
/// <c>server.kept_until</c> and <c>resume_from</c>) and for tearing down
/// (<c>DELETE /api/agents/{agent_id}/server</c>, deprovision jobs, <c>server.removed_at</c>),
/// which other branches of issue 12 build; they pass once those are merged.
/// </summary>
public sealed class LifecycleAfterMergeTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly BrowserPage _browser = new(chromium, height: 1300);
    private Runner _runner = null!;

    private IPage Page => _browser.Page;

    public async Task InitializeAsync()
    {
        await _browser.InitializeAsync();
        _runner = await _browser.StartRunnerAsync();
    }

    public Task DisposeAsync() => _browser.DisposeAsync();

    private async Task SendAsync(Guid job, string fields) =>
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}")).StatusCode);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private async Task<string> StatesAsync() =>
        string.Join(' ', await Page.Locator("#steps li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.step + ':' + i.dataset.state)"));

    /// <summary>A job that failed at <paramref name="step"/> (install, configure, provision) and whose clean-up keeps server 42 until <paramref name="keptUntil"/>.</summary>
    private async Task<Guid> FailedKeepingItsServerAsync(string agent, string step, DateTimeOffset keptUntil)
    {
        var job = await _runner.NewJobAsync(agent);
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"4711\"");
        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\",\"server_id\":\"42\",\"server_ip\":\"203.0.113.42\"");
        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\"");
        await SendAsync(job, $"\"status\":\"failed\",\"error\":\"agent did not start\",\"failed_step\":\"{step}\",\"step\":\"{step}\",\"server_id\":\"42\",\"server_kept_until\":\"{Iso(keptUntil)}\"");
        return job;
    }

    private async Task<Guid> RunningAsync(string agent)
    {
        var job = await _runner.NewJobAsync(agent);
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"4712\"");
        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"43\",\"server_ip\":\"203.0.113.43\",\"tailscale_ip\":\"100.64.0.43\"");
        return job;
    }

    [Fact]
    public async Task RetryFromTheFailedStep_OfferedWhileTheServerIsKept_AndTheNextAttemptResumesThere()
    {
        var agent = Runner.NewAgentId();
        var failed = await FailedKeepingItsServerAsync(agent, "configure", DateTimeOffset.UtcNow.AddMinutes(30));
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={failed}");
        await Page.WaitForSelectorAsync("#retry-step-button");
        Assert.Equal("Retry from Configuring Agent", await Page.TextContentAsync("#retry-step-button"));
        Assert.True(await Page.IsVisibleAsync("#retry-button"));
        Assert.Contains("kept until", await Page.TextContentAsync("#server-note"), StringComparison.Ordinal);
        await _browser.ScreenshotAsync("lifecycle-retry-from-step.png");

        await Page.ClickAsync("#retry-step-button");
        await Page.WaitForFunctionAsync($"() => document.getElementById('job-id').textContent !== '{failed}'");
        var next = Guid.Parse((await Page.TextContentAsync("#job-id"))!);
        Assert.EndsWith($"?job_id={next}", Page.Url, StringComparison.Ordinal);
        var document = (await _runner.GetJobAsync(next)).Body;
        Assert.Equal("configure", document.GetProperty("resume_from").GetString());
        Assert.Equal(2, document.GetProperty("attempt").GetInt32());
        await Page.WaitForSelectorAsync("#attempts-rows tr:nth-child(2)");
    }

    [Fact]
    public async Task RetryFromTheFailedStep_NotOfferedAtCreatingServer_OrOnceTheServerIsGone()
    {
        var atCreating = await FailedKeepingItsServerAsync(Runner.NewAgentId(), "provision", DateTimeOffset.UtcNow.AddMinutes(30));
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={atCreating}");
        await Page.WaitForSelectorAsync("#retry-button");
        Assert.Equal(0, await Page.Locator("#retry-step-button").CountAsync());

        var expired = await FailedKeepingItsServerAsync(Runner.NewAgentId(), "install", DateTimeOffset.UtcNow.AddMinutes(-1));
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={expired}");
        await Page.WaitForSelectorAsync("#retry-button");
        Assert.Equal(0, await Page.Locator("#retry-step-button").CountAsync());
    }

    [Fact]
    public async Task RetryFromTheFailedStep_WindowClosingWhileThePageIsOpen_TakesTheButtonAway()
    {
        var failed = await FailedKeepingItsServerAsync(Runner.NewAgentId(), "install", DateTimeOffset.UtcNow.AddSeconds(4));
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={failed}");
        await Page.WaitForSelectorAsync("#retry-step-button");
        Assert.Equal("Retry from Installing Dependencies", await Page.TextContentAsync("#retry-step-button"));

        await Page.WaitForSelectorAsync("#retry-step-button", new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached, Timeout = 10_000 });
        Assert.True(await Page.IsVisibleAsync("#retry-button"));
        Assert.True(await Page.IsHiddenAsync("#server-note"));

        // The API agrees: the window is closed.
        using var refused = await _runner.Client.PostAsync(new Uri($"/api/jobs/{failed}/retry", UriKind.Relative), new StringContent("{\"from\":\"failed_step\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await _runner.GetJobAsync(failed)).Body.GetProperty("next_job_id").ValueKind);
    }

    [Fact]
    public async Task RemoveServer_Confirmed_FollowsTheDeprovisionJobToRemoved_AndTheAgentsJobShowsTheServerRemoved()
    {
        var agent = Runner.NewAgentId();
        var running = await RunningAsync(agent);
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={running}");
        await Page.ClickAsync("#remove-server-button");
        await Page.WaitForSelectorAsync("#confirm[open]");
        Assert.Equal("Remove this server?", await Page.TextContentAsync("#confirm-title"));
        await Page.ClickAsync("#confirm-yes");

        await Page.WaitForFunctionAsync($"() => document.getElementById('job-id').textContent !== '{running}'");
        var removal = Guid.Parse((await Page.TextContentAsync("#job-id"))!);
        Assert.EndsWith($"?job_id={removal}", Page.Url, StringComparison.Ordinal);
        Assert.Equal("queued:active removing:pending removed:pending", await StatesAsync());
        Assert.Equal("Queued Removing Server Removed", string.Join(' ', await Page.Locator("#steps li .step-label").AllTextContentsAsync()));

        await SendAsync(removal, "\"status\":\"provisioning\",\"workflow_run_id\":\"4713\"");
        await Page.WaitForSelectorAsync("#status[data-status=provisioning]");
        Assert.Equal("Removing server", await Page.TextContentAsync("#status"));
        await SendAsync(removal, "\"status\":\"running\",\"server_id\":\"43\"");
        await Page.WaitForSelectorAsync("#status[data-status=running]");
        Assert.Equal("Removed", await Page.TextContentAsync("#status"));
        Assert.Equal("queued:completed removing:completed removed:completed", await StatesAsync());
        Assert.Contains("removed", await Page.TextContentAsync("#announcer"), StringComparison.Ordinal);
        Assert.Equal(0, await Page.Locator("#remove-server-button, #retry-button, #cancel-button").CountAsync());
        await _browser.ScreenshotAsync("lifecycle-server-removed.png");

        // The agent's provisioning job: the server is removed, by that job; nothing to remove now.
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?agent_id={agent}");
        await Page.WaitForSelectorAsync("#server-note[data-removed=true]");
        Assert.StartsWith("Server removed at ", await Page.TextContentAsync("#server-note"), StringComparison.Ordinal);
        Assert.Equal($"?job_id={removal}", await Page.GetAttributeAsync("#server-note a.removed-by", "href"));
        Assert.Equal(0, await Page.Locator("#remove-server-button").CountAsync());
        await Page.WaitForSelectorAsync("#attempts-rows tr:nth-child(2)");
        Assert.Equal(["deprovision", "provision"], await Page.Locator("#attempts-rows td.kind").AllTextContentsAsync());
        Assert.Equal("Removed", await Page.TextContentAsync("#attempts-rows tr:nth-child(1) td.outcome"));
    }

    [Fact]
    public async Task RemoveServer_WhileARemovalIsInFlight_ShowsTheRefusalInPlace()
    {
        var agent = Runner.NewAgentId();
        var running = await RunningAsync(agent);
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={running}");
        await Page.WaitForSelectorAsync("#remove-server-button");
        using (var first = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        await Page.ClickAsync("#remove-server-button");
        await Page.ClickAsync("#confirm-yes");
        await Page.WaitForSelectorAsync("#action-message[data-kind=error]");
        Assert.NotEmpty((await Page.TextContentAsync("#action-message"))!);
        Assert.EndsWith($"?job_id={running}", Page.Url, StringComparison.Ordinal);
        Assert.True(await Page.IsEnabledAsync("#remove-server-button"));
    }
}
