using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// Acting on a run from the page, in real Chromium against the runner and Azurite: Cancel (with
/// its confirmation), Retry following the next attempt, the agent's runs with their outcomes,
/// and an action's refusal shown in place. Runs are played by signed callbacks, or by the
/// simulated workflow where the cancel must reach a run.
/// </summary>
public sealed class LifecyclePageTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly BrowserPage _browser = new(chromium, height: 1300);

    private IPage Page => _browser.Page;

    public Task InitializeAsync() => _browser.InitializeAsync();

    public Task DisposeAsync() => _browser.DisposeAsync();

    private static async Task SendAsync(Runner runner, Guid job, string fields) =>
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}")).StatusCode);

    private static Task ClaimAsync(Runner runner, Guid job) =>
        SendAsync(runner, job, $"\"status\":\"provisioning\",\"workflow_run_id\":\"{Random.Shared.Next(1000, 9999)}\"");

    private static Task FailAsync(Runner runner, Guid job, string step = "configure") =>
        SendAsync(runner, job, $"\"status\":\"failed\",\"error\":\"health check failed\",\"failed_step\":\"{step}\"");

    private static async Task<Guid> RetryAsync(Runner runner, Guid job)
    {
        using var response = await runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await Runner.ReadJsonAsync(response)).GetProperty("job_id").GetGuid();
    }

    private static async Task<JsonElement> DocumentAsync(Runner runner, Guid job) => (await runner.GetJobAsync(job)).Body;

    private Task<string[]> ColumnAsync(string table, string column) =>
        Page.Locator($"{table} tr td.{column}").EvaluateAllAsync<string[]>("cells => cells.map(c => c.textContent)");

    /// <summary>Records every status the page shows, in order.</summary>
    private async Task WatchStatusesAsync() => await Page.EvaluateAsync("""
        window.seen = [];
        const record = () => {
          const status = document.getElementById('status').dataset.status;
          if (status && window.seen.at(-1) !== status) window.seen.push(status);
        };
        record();
        new MutationObserver(record).observe(document.getElementById('status'), { attributes: true });
        """);

    [Fact]
    public async Task Cancel_Confirmed_ShowsCancellingThenCancelled_AndTheActiveStepCancelled()
    {
        var runner = await _browser.StartRunnerAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobs.DispatchJob.Disabled"] = "false",
            ["SIMULATOR_STEP_DELAY_MS"] = "1500",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        });
        var job = await runner.NewJobAsync();
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#cancel-button");
        await Page.WaitForSelectorAsync("#status[data-status=provisioning]");
        await WatchStatusesAsync();

        await Page.ClickAsync("#cancel-button");
        await Page.WaitForSelectorAsync("#confirm[open]");
        Assert.Equal("Cancel this run?", await Page.TextContentAsync("#confirm-title"));
        await _browser.ScreenshotAsync("lifecycle-cancel-confirm.png");
        await Page.ClickAsync("#confirm-yes");

        await Page.WaitForSelectorAsync("#status[data-status=cancelled]", new PageWaitForSelectorOptions { Timeout = 40_000 });
        var seen = await Page.EvaluateAsync<string[]>("window.seen");
        Assert.Equal(["provisioning", "cancelling", "cancelled"], seen);
        Assert.Equal("Cancelled", await Page.TextContentAsync("#status"));
        Assert.Equal(1, await Page.Locator("#steps li[data-state=cancelled]").CountAsync());
        Assert.Equal("completed", await Page.GetAttributeAsync("#steps li[data-step=queued]", "data-state"));
        Assert.Equal(0, await Page.Locator("#cancel-button").CountAsync());

        // A cancelled run can be retried; the API agrees it is cancelled.
        Assert.True(await Page.IsVisibleAsync("#retry-button"));
        Assert.Equal("cancelled", (await DocumentAsync(runner, job)).GetProperty("status").GetString());
        await _browser.ScreenshotAsync("lifecycle-cancelled.png");
    }

    [Fact]
    public async Task Cancel_WhileTheCleanUpHasNotReported_KeepsPollingTheCancellingJobUntilItIsCancelled()
    {
        var runner = await _browser.StartRunnerAsync(new Dictionary<string, string?> { ["AzureWebJobs.CancelRun.Disabled"] = "true" });
        var job = await runner.NewJobAsync();
        await ClaimAsync(runner, job);
        await SendAsync(runner, job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        var polls = 0;
        await Page.RouteAsync("**/events", route => route.AbortAsync()); // no event stream: the fallback's polling is what this counts
        Page.Response += (_, response) => polls += response.Url.EndsWith($"/api/jobs/{job}", StringComparison.Ordinal) ? 1 : 0;
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");
        await Page.ClickAsync("#cancel-button");
        await Page.ClickAsync("#confirm-yes");

        await Page.WaitForSelectorAsync("#status[data-status=cancelling]");
        Assert.Equal("Cancelling…", await Page.TextContentAsync("#status"));
        Assert.True(await Page.IsVisibleAsync("#cancelling-note"));
        Assert.Equal(0, await Page.Locator("#cancel-button").CountAsync());
        Assert.Equal("active", await Page.GetAttributeAsync("#steps li[data-step=installing]", "data-state"));
        await _browser.ScreenshotAsync("lifecycle-cancelling.png");

        // Still polled while cancelling: the clean-up's report shows without a reload.
        var before = polls;
        await Eventually.WaitAsync(() => Task.FromResult(polls), p => p >= before + 2, TimeSpan.FromSeconds(20), "two more polls of the cancelling job");
        await SendAsync(runner, job, "\"status\":\"cancelled\"");
        await Page.WaitForSelectorAsync("#status[data-status=cancelled]");
        Assert.Equal("cancelled", await Page.GetAttributeAsync("#steps li[data-step=installing]", "data-state"));
        Assert.Equal("completed completed cancelled pending pending", string.Join(' ', await Page.Locator("#steps li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.state)")));
        Assert.Contains("cancelled", await Page.TextContentAsync("#announcer"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_Declined_SendsNothingAndChangesNothing()
    {
        var runner = await _browser.StartRunnerAsync();
        var job = await runner.NewJobAsync();
        await ClaimAsync(runner, job);
        var cancels = 0;
        Page.Request += (_, request) => cancels += request.Url.EndsWith("/cancel", StringComparison.Ordinal) ? 1 : 0;
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");

        await Page.ClickAsync("#cancel-button");
        await Page.WaitForSelectorAsync("#confirm[open]");
        Assert.Equal("Keep running", await Page.TextContentAsync("#confirm-no"));
        Assert.Equal("confirm-no", await Page.EvaluateAsync<string>("document.activeElement.id")); // the safe choice has the focus
        await Page.ClickAsync("#confirm-no");
        await Page.WaitForSelectorAsync("#confirm", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden });

        // Escape declines too.
        await Page.ClickAsync("#cancel-button");
        await Page.WaitForSelectorAsync("#confirm[open]");
        await Page.Keyboard.PressAsync("Escape");
        await Page.WaitForSelectorAsync("#confirm", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden });

        await Task.Delay(500);
        Assert.Equal(0, cancels);
        Assert.Equal("provisioning", await Page.GetAttributeAsync("#status", "data-status"));
        Assert.True(await Page.IsEnabledAsync("#cancel-button"));
        Assert.True(await Page.IsHiddenAsync("#action-message"));
        Assert.Equal("provisioning", (await DocumentAsync(runner, job)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Retry_FailedJob_FollowsAttempt2_AndTheAgentsRunsShowBothOutcomes()
    {
        var runner = await _browser.StartRunnerAsync();
        var agent = Runner.NewAgentId();
        var first = await runner.NewJobAsync(agent);
        await ClaimAsync(runner, first);
        await FailAsync(runner, first);
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={first}");
        await Page.WaitForSelectorAsync("#status[data-status=failed]");
        Assert.True(await Page.IsHiddenAsync("#attempts")); // one run is no history
        Assert.Equal(0, await Page.Locator("#retry-step-button").CountAsync()); // no server kept: no retry from the failed step

        await Page.ClickAsync("#retry-button");
        await Page.WaitForFunctionAsync($"() => document.getElementById('job-id').textContent !== '{first}'");
        var second = Guid.Parse((await Page.TextContentAsync("#job-id"))!);
        Assert.EndsWith($"?job_id={second}", Page.Url, StringComparison.Ordinal);
        Assert.Equal("queued", await Page.GetAttributeAsync("#status", "data-status"));
        Assert.Equal("active pending pending pending pending", string.Join(' ', await Page.Locator("#steps li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.state)")));
        Assert.Equal(0, await Page.Locator(".step-error").CountAsync());
        Assert.Equal($"?job_id={first}", await Page.GetAttributeAsync("#action-buttons .previous-attempt", "href"));

        // The agent's runs: attempt 2 (this one, queued) above attempt 1 (failed at Configuring Agent).
        await Page.WaitForSelectorAsync("#attempts:not([hidden]) #attempts-rows tr:nth-child(2)");
        Assert.Equal(["#2 (this run)", "#1"], await ColumnAsync("#attempts-rows", "attempt"));
        Assert.Equal(["Queued", "Failed"], await ColumnAsync("#attempts-rows", "outcome"));
        Assert.Equal(["–", "configuring"], await ColumnAsync("#attempts-rows", "failed-step"));
        Assert.Equal("–", (await ColumnAsync("#attempts-rows", "duration"))[0]);
        Assert.Equal($"?job_id={first}", await Page.GetAttributeAsync("#attempts-rows tr:nth-child(2) a", "href"));
        Assert.Equal("page", await Page.GetAttributeAsync("#attempts-rows tr:nth-child(1)", "aria-current"));
        await _browser.ScreenshotAsync("lifecycle-retried.png");

        // The page keeps following attempt 2, and its row follows its outcome.
        await ClaimAsync(runner, second);
        await FailAsync(runner, second, "install");
        await Page.WaitForSelectorAsync("#status[data-status=failed]");
        await Page.WaitForSelectorAsync("#attempts-rows tr:nth-child(1)[data-status=failed]");
        Assert.Equal(["installing", "configuring"], await ColumnAsync("#attempts-rows", "failed-step"));

        // The first attempt now links to its successor instead of offering Retry.
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={first}");
        await Page.WaitForSelectorAsync("#action-buttons .next-attempt");
        Assert.Equal("Attempt 2 →", await Page.TextContentAsync("#action-buttons .next-attempt"));
        Assert.Equal($"?job_id={second}", await Page.GetAttributeAsync("#action-buttons .next-attempt", "href"));
        Assert.Equal(0, await Page.Locator("#retry-button").CountAsync());
    }

    [Fact]
    public async Task Retry_AgentBusy_ShowsTheRefusalInPlace_AndStaysOnTheJob()
    {
        var runner = await _browser.StartRunnerAsync();
        var agent = Runner.NewAgentId();
        var failed = await runner.NewJobAsync(agent);
        await FailAsync(runner, failed, "provision");
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={failed}");
        await Page.WaitForSelectorAsync("#retry-button");
        var busy = await runner.NewJobAsync(agent); // the agent has a job in flight now

        await Page.ClickAsync("#retry-button");
        await Page.WaitForSelectorAsync("#action-message[data-kind=error]");
        var message = await Page.TextContentAsync("#action-message");
        Assert.Contains($"already has job {busy}", message, StringComparison.Ordinal);
        Assert.Equal($"?job_id={busy}", await Page.GetAttributeAsync("#action-message a", "href"));
        Assert.True(await Page.IsEnabledAsync("#retry-button"));
        Assert.EndsWith($"?job_id={failed}", Page.Url, StringComparison.Ordinal);
        Assert.Equal(failed.ToString(), await Page.TextContentAsync("#job-id"));
        Assert.Equal(JsonValueKind.Null, (await DocumentAsync(runner, failed)).GetProperty("next_job_id").ValueKind);
        await _browser.ScreenshotAsync("lifecycle-retry-refused.png");
    }

    [Fact]
    public async Task Cancel_WhileItsRequestRuns_ShowsProgressWithTheButtonOff_ThenTheRefusalInPlace()
    {
        var runner = await _browser.StartRunnerAsync();
        var job = await runner.NewJobAsync();
        await ClaimAsync(runner, job);
        await Page.GotoAsync($"{runner.Client.BaseAddress}?job_id={job}");
        await Page.WaitForSelectorAsync("#cancel-button");

        // The request is held while the page shows its progress; meanwhile the run fails behind the page's back.
        var release = new TaskCompletionSource();
        await Page.RouteAsync("**/cancel", async route =>
        {
            await release.Task;
            await FailAsync(runner, job);
            await route.ContinueAsync();
        });
        await Page.ClickAsync("#cancel-button");
        await Page.ClickAsync("#confirm-yes");
        await Page.WaitForSelectorAsync("#action-message[data-kind=progress]");
        Assert.Equal("Cancelling…", await Page.TextContentAsync("#action-message"));
        Assert.True(await Page.IsDisabledAsync("#cancel-button"));
        Assert.Equal("true", await Page.GetAttributeAsync("#actions", "aria-busy"));
        release.SetResult();

        await Page.WaitForSelectorAsync("#action-message[data-kind=error]");
        Assert.Contains("failed", await Page.TextContentAsync("#action-message"), StringComparison.Ordinal);
        Assert.Equal(0, await Page.Locator("#action-message a").CountAsync()); // it names this job: no link to follow

        // The next poll shows the failure and offers Retry.
        await Page.WaitForSelectorAsync("#retry-button");
        Assert.Equal("failed", await Page.GetAttributeAsync("#status", "data-status"));
    }

    [Fact]
    public async Task AgentsRuns_ShowFiveThenMoreWithTheContinuation()
    {
        var runner = await _browser.StartRunnerAsync();
        var agent = Runner.NewAgentId();
        var job = await runner.NewJobAsync(agent);
        var jobs = new List<Guid> { job };
        for (var i = 0; i < 6; i++)
        {
            await FailAsync(runner, job, "provision");
            job = await RetryAsync(runner, job);
            jobs.Add(job);
        }

        await Page.GotoAsync($"{runner.Client.BaseAddress}?agent_id={agent}");
        await Page.WaitForSelectorAsync("#attempts:not([hidden]) #attempts-rows tr");
        Assert.Equal(["#7 (this run)", "#6", "#5", "#4", "#3"], await ColumnAsync("#attempts-rows", "attempt"));
        Assert.True(await Page.IsVisibleAsync("#attempts-more"));

        await Page.ClickAsync("#attempts-more");
        await Page.WaitForSelectorAsync("#attempts-rows tr:nth-child(7)");
        Assert.Equal(["#7 (this run)", "#6", "#5", "#4", "#3", "#2", "#1"], await ColumnAsync("#attempts-rows", "attempt"));
        Assert.Equal(jobs.AsEnumerable().Reverse().Select(j => j.ToString()), await Page.Locator("#attempts-rows tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.jobId)"));
        Assert.Equal(["Queued", "Failed", "Failed", "Failed", "Failed", "Failed", "Failed"], await ColumnAsync("#attempts-rows", "outcome"));
        Assert.True(await Page.IsHiddenAsync("#attempts-more"));
        await _browser.ScreenshotAsync("lifecycle-attempts.png");
    }
}
