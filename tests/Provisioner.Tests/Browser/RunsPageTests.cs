using System.Net;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// The runs list (<c>/?view=runs</c>) in real Chromium against the runner and Azurite: 25 jobs a
/// page, newest first, the status filter kept in the address, the next page by the continuation
/// token, and its empty and error states.
/// </summary>
public sealed class RunsPageTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly BrowserPage _browser = new(chromium, height: 1400);

    private IPage Page => _browser.Page;

    public Task InitializeAsync() => _browser.InitializeAsync();

    public Task DisposeAsync() => _browser.DisposeAsync();

    private Task<string[]> RowsAsync(string what = "jobId") =>
        Page.Locator("#runs-rows tr").EvaluateAllAsync<string[]>($"rows => rows.map(r => r.dataset.{what})");

    private static async Task FailAsync(Runner runner, Guid job) =>
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"}}")).StatusCode);

    [Fact]
    public async Task RunsList_PagesNewestFirst_AndTheFilterChangesTheAddressAndTheRows()
    {
        var runner = await _browser.StartRunnerAsync();
        var created = new List<Guid>();
        for (var i = 0; i < 27; i++)
        {
            created.Add(await runner.NewJobAsync());
        }

        var failedAgent = Runner.NewAgentId();
        var failed = new[] { await runner.NewJobAsync(failedAgent), await runner.NewJobAsync() };
        foreach (var job in failed)
        {
            await FailAsync(runner, job);
        }

        created.AddRange(failed);
        var newestFirst = created.AsEnumerable().Reverse().Select(j => j.ToString()).ToArray();

        // From the form's page, by its link.
        await Page.GotoAsync(runner.Client.BaseAddress!.AbsoluteUri);
        await Page.ClickAsync("#runs-link");
        await Page.WaitForSelectorAsync("#runs-rows tr");
        Assert.EndsWith("?view=runs", Page.Url, StringComparison.Ordinal);
        Assert.Equal(newestFirst[..25], await RowsAsync());
        Assert.True(await Page.IsVisibleAsync("#runs-next"));
        Assert.True(await Page.IsHiddenAsync("#runs-first"));
        Assert.Equal("Failed", await Page.TextContentAsync($"#runs-rows tr[data-job-id='{failed[0]}'] td.status"));
        Assert.Equal("installing", await Page.TextContentAsync($"#runs-rows tr[data-job-id='{failed[0]}'] td.failed-step"));
        Assert.Equal($"?agent_id={failedAgent}", await Page.GetAttributeAsync($"#runs-rows tr[data-job-id='{failed[0]}'] td.agent a", "href"));
        Assert.Equal($"?job_id={failed[0]}", await Page.GetAttributeAsync($"#runs-rows tr[data-job-id='{failed[0]}'] td.job a", "href"));
        await _browser.ScreenshotAsync("runs-all.png");

        await Page.ClickAsync("#runs-next");
        await Page.WaitForSelectorAsync("#runs-first:not([hidden])");
        Assert.Equal(newestFirst[25..], await RowsAsync());
        Assert.Equal("Page 2", await Page.TextContentAsync("#runs-page"));
        Assert.True(await Page.IsHiddenAsync("#runs-next"));

        await Page.SelectOptionAsync("#runs-status", "failed");
        await Page.WaitForFunctionAsync("() => document.querySelectorAll('#runs-rows tr').length === 2");
        Assert.EndsWith("?view=runs&status=failed", Page.Url, StringComparison.Ordinal);
        Assert.Equal(newestFirst[..2], await RowsAsync());
        Assert.Equal(["failed", "failed"], await RowsAsync("status"));
        Assert.True(await Page.IsHiddenAsync("#runs-next"));
        Assert.True(await Page.IsHiddenAsync("#runs-first"));
        await _browser.ScreenshotAsync("runs-failed.png");

        // The address alone gives the same list.
        await Page.ReloadAsync();
        await Page.WaitForSelectorAsync("#runs-rows tr");
        Assert.Equal("failed", await Page.InputValueAsync("#runs-status"));
        Assert.Equal(newestFirst[..2], await RowsAsync());

        await Page.SelectOptionAsync("#runs-status", "cancelled");
        await Page.WaitForSelectorAsync("#runs-empty:not([hidden])");
        Assert.Equal("No cancelled runs.", await Page.TextContentAsync("#runs-empty"));
        Assert.True(await Page.IsHiddenAsync("#runs-table"));

        // Refresh shows what changed since.
        var late = await runner.NewJobAsync();
        using (var cancel = await runner.Client.PostAsync(new Uri($"/api/jobs/{late}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        await Page.ClickAsync("#runs-refresh");
        await Page.WaitForSelectorAsync($"#runs-rows tr[data-job-id='{late}']");
        Assert.True(await Page.IsHiddenAsync("#runs-empty"));
    }

    [Fact]
    public async Task RunsList_Refused_ShowsTheProblemInPlace_AndKeepsItsRows()
    {
        var runner = await _browser.StartRunnerAsync();
        await Page.GotoAsync($"{runner.Client.BaseAddress}?view=runs&status=sleeping");
        await Page.WaitForSelectorAsync("#runs-message[data-kind=error]");
        Assert.Contains("is not a job status", await Page.TextContentAsync("#runs-message"), StringComparison.Ordinal);

        var job = await runner.NewJobAsync();
        await Page.SelectOptionAsync("#runs-status", "queued");
        await Page.WaitForSelectorAsync($"#runs-rows tr[data-job-id='{job}']");
        Assert.True(await Page.IsHiddenAsync("#runs-message"));

        // The API goes away: the refresh says so and the rows shown stay.
        await _browser.StopRunnerAsync(runner);
        await Page.ClickAsync("#runs-refresh");
        await Page.WaitForSelectorAsync("#runs-message[data-kind=error]");
        Assert.Contains("Cannot reach the API", await Page.TextContentAsync("#runs-message"), StringComparison.Ordinal);
        Assert.Equal([job.ToString()], await RowsAsync());
        Assert.True(await Page.IsEnabledAsync("#runs-refresh"));
    }
}
