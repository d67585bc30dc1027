using System.Net;
using System.Text;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// The server's lifetime and cost on the page, in real Chromium against the runner and Azurite
/// (docs/lifetime.md, docs/cost.md): the time left counting down, the cost so far, and Extend,
/// which moves the end through PATCH /api/agents/{agent_id}/server.
/// </summary>
public sealed class LifetimeCostPageTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly BrowserPage _browser = new(chromium, height: 1300);

    private IPage Page => _browser.Page;

    public Task InitializeAsync() => _browser.InitializeAsync();

    public Task DisposeAsync() => _browser.DisposeAsync();

    private static async Task SendAsync(Runner runner, Guid job, string fields) =>
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}")).StatusCode);

    [Fact]
    public async Task TimeLeftAndCost_Shown_AndExtendMovesTheEnd()
    {
        var runner = await _browser.StartRunnerAsync();
        var agent = Runner.NewAgentId();
        using var content = new StringContent($"{{\"agent_id\":\"{agent}\",\"region\":\"eu-central\",\"ttl_minutes\":30}}", Encoding.UTF8, "application/json");
        using var created = await runner.Client.PostAsync(new Uri("/api/jobs", UriKind.Relative), content);
        var job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
        await SendAsync(runner, job, "\"status\":\"provisioning\",\"workflow_run_id\":\"4242\"");
        await SendAsync(runner, job, "\"status\":\"provisioning\",\"step\":\"vm_created\",\"server_type\":\"cx33\",\"location\":\"fsn1\",\"price\":{\"hourly_net\":\"0.0104\",\"hourly_gross\":\"0.012376\",\"monthly_net\":\"6.49\",\"monthly_gross\":\"7.7231\",\"currency\":\"EUR\"}");
        await SendAsync(runner, job, "\"status\":\"running\",\"server_id\":\"4242\",\"server_ip\":\"203.0.113.42\",\"tailscale_ip\":\"100.64.0.42\"");

        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#status[data-status=running]");
        await Page.WaitForSelectorAsync("#expires-fact:not([hidden])");
        Assert.Matches("^(29|30) min [0-9]+ s left$", await Page.TextContentAsync("#expires"));
        Assert.Contains("so far", await Page.TextContentAsync("#cost"), StringComparison.Ordinal);
        Assert.Contains("0.0124", await Page.TextContentAsync("#cost"), StringComparison.Ordinal); // one started hour, gross
        await _browser.ScreenshotAsync("lifetime-cost.png");

        // Sign-in is off (the committed config.json, AUTH_MODE=disabled): the API lets everyone extend, so the page offers it.
        await Assertions.Expect(Page.Locator("#extend-button")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#extend-note")).ToBeHiddenAsync();
        var before = (await runner.GetJobAsync(job)).Body.GetProperty("expires_at").GetDateTimeOffset();
        await Page.ClickAsync("#extend-button");
        await Page.WaitForFunctionAsync("() => document.getElementById('extend-message').textContent.startsWith('Extended')");
        var after = (await runner.GetJobAsync(job)).Body.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(after - before, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(62)); // one hour more
        await Page.WaitForFunctionAsync("() => /^1 h 2?[0-9] min left$/.test(document.getElementById('expires').textContent)");
    }
}
