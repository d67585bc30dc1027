using System.Net;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// axe-core on each state of the page in real Chromium against the runner and Azurite: the
/// form, a job in flight, running, failed (with its timing chart), and the runs list (with the
/// step statistics). The signed-out state and a Reader's (no Operator actions) are checked in <see cref="SignInPageTests"/>.
/// </summary>
public sealed class AccessibilityTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly BrowserPage _browser = new(chromium, height: 1200);
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

    [Fact]
    public async Task EveryStateOfThePage_HasNoSeriousOrCriticalViolation()
    {
        await Page.GotoAsync(_runner.Client.BaseAddress!.AbsoluteUri);
        await Page.WaitForSelectorAsync("#create:not([hidden])");
        await Axe.AssertNoSeriousViolationsAsync(Page, "form");

        var job = await _runner.NewJobAsync();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"901\",\"workflow_run_url\":\"https://github.com/octo/infra/actions/runs/901\"");
        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#status[data-status=provisioning]");
        await Axe.AssertNoSeriousViolationsAsync(Page, "in flight");

        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"9\",\"server_ip\":\"203.0.113.9\",\"tailscale_ip\":\"100.64.0.9\"");
        await Page.WaitForSelectorAsync("#status[data-status=running]");
        await Axe.AssertNoSeriousViolationsAsync(Page, "running");

        var failing = await _runner.NewJobAsync();
        await SendAsync(failing, "\"status\":\"provisioning\",\"workflow_run_id\":\"902\"");
        await SendAsync(failing, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        await SendAsync(failing, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");
        await Page.GotoAsync($"{_runner.Client.BaseAddress}?job_id={failing}");
        await Page.WaitForSelectorAsync("#status[data-status=failed]");
        await Page.WaitForSelectorAsync("#timing:not([hidden]) svg");
        await Axe.AssertNoSeriousViolationsAsync(Page, "failed");

        await Page.GotoAsync($"{_runner.Client.BaseAddress}?view=runs");
        await Page.WaitForSelectorAsync("#runs-rows tr");
        await Page.WaitForSelectorAsync("#step-stats:not([hidden])");
        await Axe.AssertNoSeriousViolationsAsync(Page, "runs list");
    }
}
