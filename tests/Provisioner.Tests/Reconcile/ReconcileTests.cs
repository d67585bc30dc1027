using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Reconcile;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;
using Provisioner.Functions.GitHub;

namespace Provisioner.Tests.Reconcile;

/// <summary>
/// Asking GitHub about silent jobs' runs, through the sweeper, against Azurite and a fake GitHub
/// over HTTP that serves runs, jobs and steps with ETags; waits run on fake time. Own Azurite:
/// moving the clock must not fail other tests' jobs.
/// </summary>
public sealed class ReconcileTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private FakeGitHub _github = null!;
    private FakeRuns _runs = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _github = await FakeGitHub.StartAsync();
        _runs = new FakeRuns(_github);
        _runner = await Runner.StartAsync(_azurite, GitHubSettings(), time: _time);
    }

    private Dictionary<string, string?> GitHubSettings() => new()
    {
        ["GITHUB_TOKEN"] = "ghp_reconcile_token",
        ["GITHUB_OWNER"] = "octo",
        ["GITHUB_REPO"] = "infra",
        ["GITHUB_API_URL"] = _github.BaseUrl.AbsoluteUri,
        ["RECONCILE_AFTER_MINUTES"] = "0.5",
        ["DISPATCH_RETRY_BASE_DELAY_SECONDS"] = "0.01",
    };

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _github.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private static string Title(Guid job) => $"Provision agent a (job {job})";

    private Task<SweepResult> SweepAsync() => _runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);

    /// <summary>
    /// Runs a sweep, moving fake time on by a second every few milliseconds while
    /// <paramref name="waiting"/> holds (the sweep waits out a rate limit), and not otherwise, so
    /// a slow machine cannot push the clock past a request's own time-out.
    /// </summary>
    private async Task<SweepResult> SweepDrivingTimeAsync(Func<bool> waiting)
    {
        var task = SweepAsync();
        for (var i = 0; i < 4000 && !task.IsCompleted; i++)
        {
            await Task.Delay(5);
            if (!task.IsCompleted && waiting())
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        return await task;
    }

    private async Task<Guid> DispatchedJobAsync(string? runId)
    {
        var job = await _runner.NewJobAsync();
        var at = _time.GetUtcNow();
        await _runner.Services.GetRequiredService<JobStore>().UpdateAsync(job, j => j with { DispatchedAt = at, WorkflowRunId = runId, UpdatedAt = at }, CancellationToken.None);
        return job;
    }

    private async Task SendAsync(Guid job, string fields)
    {
        var response = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", at: _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> StatusAsync(Guid job) => (await _runner.GetJobAsync(job)).Body;

    private static string States(JsonElement document) =>
        string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

    private IEnumerable<FakeGitHub.Request> RunReads(long runId) => _github.Requests.Where(r => r.Path == $"{FakeRuns.Repo}/actions/runs/{runId}");

    [Fact]
    public async Task Sweep_RunFailedWithoutACallback_FailsWithinAMinuteWithGitHubsReasonStepAndLog()
    {
        var job = await DispatchedJobAsync("9001");
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"9001\"");
        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        _runs.Set(new FakeRuns.Run(9001, Title(job), "in_progress", null));

        // The run dies (its runner is lost): no failure callback, no heartbeat.
        _runs.Set(new FakeRuns.Run(9001, Title(job), "completed", "failure", "Install dependencies on the server"));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(0, (await SweepAsync()).Reconciled); // not silent long enough yet: GitHub is not asked
        Assert.Empty(_github.Requests);

        _time.Advance(TimeSpan.FromSeconds(20)); // 40 s after the last callback
        var result = await SweepAsync();
        Assert.Equal(1, result.FailedByGitHub);
        Assert.Equal(0, result.TimedOut);

        var document = await StatusAsync(job);
        var error = document.GetProperty("error");
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal("github_failed", error.GetProperty("reason").GetString());
        Assert.Equal("install", error.GetProperty("failed_step").GetString());
        Assert.Equal("installing", error.GetProperty("step_id").GetString());
        Assert.Equal("completed completed error pending pending", States(document));
        Assert.Equal(FakeRuns.JobLogUrl(9001), error.GetProperty("log_url").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("conclusion: failure", message, StringComparison.Ordinal);
        Assert.Contains("\"Install dependencies on the server\"", message, StringComparison.Ordinal);
        Assert.Contains(FakeRuns.JobLogUrl(9001), message, StringComparison.Ordinal);
        Assert.Equal("Bearer ghp_reconcile_token", _github.Requests.First().Authorization);
    }

    [Theory]
    [InlineData("cancelled", "Configure the agent", "github_cancelled", "completed completed completed error pending", "configure")]
    [InlineData("timed_out", "Create the server", "github_timed_out", "completed error pending pending pending", "provision")]
    [InlineData("failure", "Claim the job", "github_failed", "error pending pending pending pending", "queued")]
    public async Task Sweep_RunEndedByGitHub_FailsWithTheReasonOfItsConclusionOnTheStepThatStopped(string conclusion, string step, string reason, string states, string failedStep)
    {
        var job = await DispatchedJobAsync("9002");
        _runs.Set(new FakeRuns.Run(9002, Title(job), "completed", conclusion, step, StepConclusion: conclusion));
        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(1, (await SweepAsync()).FailedByGitHub);
        var document = await StatusAsync(job);
        Assert.Equal(reason, document.GetProperty("error").GetProperty("reason").GetString());
        Assert.Equal(states, States(document));
        Assert.Equal(failedStep, document.GetProperty("error").GetProperty("failed_step").GetString());
        Assert.Contains($"conclusion: {conclusion}", document.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_RunWaitingForARunner_SaysSoThenInProgressKeepsTheJobAliveButNotPastItsMaximum()
    {
        var job = await DispatchedJobAsync("9003");
        _runs.Set(new FakeRuns.Run(9003, Title(job), "queued", null));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await SweepAsync()).Reconciled);
        var waiting = await StatusAsync(job);
        Assert.Equal("queued", waiting.GetProperty("status").GetString());
        Assert.Equal("runner", waiting.GetProperty("waiting_for").GetString());
        Assert.Equal("https://github.com/octo/infra/actions/runs/9003", waiting.GetProperty("workflow_run_url").GetString());

        // The run gets a runner but its callbacks do not arrive: GitHub's word keeps it alive past DISPATCH_START_MINUTES (10).
        _runs.Set(new FakeRuns.Run(9003, Title(job), "in_progress", null));
        for (var minute = 1; minute < 59; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            var sweep = await SweepAsync();
            Assert.Equal(0, sweep.TimedOut);
        }

        var alive = await StatusAsync(job);
        Assert.Equal("queued", alive.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, alive.GetProperty("waiting_for").ValueKind);

        // JOB_MAX_MINUTES (60) is never deferred.
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await SweepAsync()).TimedOut);
        Assert.Equal("too_long", (await StatusAsync(job)).GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Sweep_RunWaitingForARunner_RaisesJobStalledOnceWithNotificationsOn()
    {
        await using var receiver = await Notifications.WebhookReceiver.StartAsync();
        var settings = GitHubSettings();
        foreach (var (key, value) in Notifications.NotifyTesting.Settings(receiver, Notifications.WebhookReceiver.NewSecret(), deliver: false))
        {
            settings[key] = value;
        }

        await using var runner = await Runner.StartAsync(_azurite, settings, time: _time);
        var job = await runner.NewJobAsync();
        var at = _time.GetUtcNow();
        await runner.Services.GetRequiredService<JobStore>().UpdateAsync(job, j => j with { DispatchedAt = at, WorkflowRunId = "9013", UpdatedAt = at }, CancellationToken.None);
        _runs.Set(new FakeRuns.Run(9013, Title(job), "queued", null));

        var sweeper = runner.Services.GetRequiredService<TimeoutSweeper>();
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await sweeper.SweepAsync(CancellationToken.None)).Reconciled);
        _time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None);

        var stalled = Assert.Single(await Notifications.NotifyTesting.OutboxAsync(runner, job), r => r.Type == "job.stalled");
        using var body = JsonDocument.Parse(stalled.Body);
        Assert.Equal("runner", body.RootElement.GetProperty("data").GetProperty("waiting_for").GetString());
    }

    [Fact]
    public async Task Sweep_RunIdUnknown_FindsTheRunByTheJobIdInItsName()
    {
        var job = await DispatchedJobAsync(runId: null);
        _runs.Set(new FakeRuns.Run(7001, Title(Guid.NewGuid()), "completed", "success")); // another job's run
        _runs.Set(new FakeRuns.Run(7002, Title(job), "completed", "failure", "Create the server"));
        _time.Advance(TimeSpan.FromSeconds(40));

        Assert.Equal(1, (await SweepAsync()).FailedByGitHub);
        var list = Assert.Single(_github.Requests, r => r.Path.EndsWith("/actions/workflows/provision-agent.yml/runs", StringComparison.Ordinal));
        var query = Uri.UnescapeDataString(list.Query);
        Assert.Contains("event=workflow_dispatch", query, StringComparison.Ordinal);
        Assert.Contains("created=>=", query, StringComparison.Ordinal);
        var document = await StatusAsync(job);
        Assert.Equal("github_failed", document.GetProperty("error").GetProperty("reason").GetString());
        Assert.Equal("provision", document.GetProperty("error").GetProperty("failed_step").GetString());
        Assert.Equal(FakeRuns.JobLogUrl(7002), document.GetProperty("error").GetProperty("log_url").GetString());
        Assert.Equal("https://github.com/octo/infra/actions/runs/7002", document.GetProperty("workflow_run_url").GetString());
        Assert.Contains(_github.Requests, r => r.Path == $"{FakeRuns.Repo}/actions/runs/7002/jobs");
    }

    [Fact]
    public async Task Sweep_RunFoundByJobIdOnce_IsAskedForByItsIdAfterwards()
    {
        var job = await DispatchedJobAsync(runId: null);
        _runs.Set(new FakeRuns.Run(7003, Title(job), "queued", null));
        _time.Advance(TimeSpan.FromSeconds(40));
        await SweepAsync();
        _time.Advance(TimeSpan.FromSeconds(40));
        await SweepAsync();

        Assert.Single(_github.Requests, r => r.Path.EndsWith("/runs", StringComparison.Ordinal));
        Assert.Single(RunReads(7003));
        Assert.Equal("runner", (await StatusAsync(job)).GetProperty("waiting_for").GetString());
    }

    [Fact]
    public async Task Sweep_NoRunAtAll_FailsAsMissingNamingTheDispatchSettings()
    {
        var job = await DispatchedJobAsync(runId: null);
        _runs.Set(new FakeRuns.Run(7004, Title(Guid.NewGuid()), "in_progress", null));
        _time.Advance(TimeSpan.FromSeconds(40));

        Assert.Equal(1, (await SweepAsync()).FailedByGitHub);
        var error = (await StatusAsync(job)).GetProperty("error");
        Assert.Equal("github_run_missing", error.GetProperty("reason").GetString());
        var message = error.GetProperty("message").GetString()!;
        foreach (var setting in new[] { "GITHUB_OWNER", "GITHUB_REPO", "GITHUB_WORKFLOW", "GITHUB_REF" })
        {
            Assert.Contains(setting, message, StringComparison.Ordinal);
        }

        Assert.Equal("error pending pending pending pending", States(await StatusAsync(job)));
    }

    [Fact]
    public async Task Sweep_KnownRunIdThatGitHubDoesNotHave_FailsAsMissing()
    {
        var job = await DispatchedJobAsync("404404");
        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(1, (await SweepAsync()).FailedByGitHub);
        Assert.Equal("github_run_missing", (await StatusAsync(job)).GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Sweep_UnchangedRun_IsAskedConditionallyAndTheNotModifiedAnswerIsCounted()
    {
        var job = await DispatchedJobAsync("9004");
        _runs.Set(new FakeRuns.Run(9004, Title(job), "queued", null));
        _time.Advance(TimeSpan.FromSeconds(40));
        var first = await SweepAsync();
        Assert.Equal(0, first.NotModified);

        _time.Advance(TimeSpan.FromSeconds(40));
        var second = await SweepAsync();
        Assert.Equal(1, second.NotModified);
        Assert.Equal(1, _github.NotModifiedServed);
        var reads = RunReads(9004).ToList();
        Assert.Equal(2, reads.Count);
        Assert.Null(reads[0].IfNoneMatch);
        Assert.NotNull(reads[1].IfNoneMatch);
        Assert.Equal(1, ((GitHubRuns)_runner.Services.GetRequiredService<IWorkflowRuns>()).NotModifiedAnswers);
        Assert.Equal("runner", (await StatusAsync(job)).GetProperty("waiting_for").GetString());

        // The run changes: a new ETag, a full answer, and the job acts on it.
        _runs.Set(new FakeRuns.Run(9004, Title(job), "completed", "cancelled", "Set up Ansible on the runner", StepConclusion: "cancelled"));
        _time.Advance(TimeSpan.FromSeconds(40));
        var third = await SweepAsync();
        Assert.Equal(0, third.NotModified);
        Assert.Equal(1, third.FailedByGitHub);
        Assert.Equal("github_cancelled", (await StatusAsync(job)).GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Sweep_RateLimitAnswer_IsWaitedOutOnFakeTimeAndNotTakenForAnOutcome()
    {
        var job = await DispatchedJobAsync("9005");
        _runs.Set(new FakeRuns.Run(9005, Title(job), "completed", "failure", "Configure the agent"));
        _time.Advance(TimeSpan.FromSeconds(40));
        var reset = _time.GetUtcNow().AddSeconds(30);
        _github.Then(403, "{\"message\":\"API rate limit exceeded\"}", new Dictionary<string, string>
        {
            ["x-ratelimit-remaining"] = "0",
            ["x-ratelimit-reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        });

        var started = _time.GetUtcNow();
        var result = await SweepDrivingTimeAsync(() => RunReads(9005).Count() == 1); // between the 403 and the retry

        Assert.Equal(1, result.FailedByGitHub);
        Assert.True(_time.GetUtcNow() >= reset, $"the retry came at {_time.GetUtcNow():O}, before the window reset at {reset:O}");
        Assert.True(_time.GetUtcNow() - started < TimeSpan.FromMinutes(1));
        Assert.Equal(2, RunReads(9005).Count());
        var error = (await StatusAsync(job)).GetProperty("error");
        Assert.Equal("github_failed", error.GetProperty("reason").GetString());
        Assert.Equal("configure", error.GetProperty("failed_step").GetString());
    }

    [Fact]
    public async Task Sweep_LongRateLimit_PausesTheQuestionsAndTheDeadlinesStillHold()
    {
        await using var runner = await Runner.StartAsync(_azurite, new Dictionary<string, string?>(GitHubSettings()) { ["JOB_TIMEOUT_MINUTES"] = "2" }, time: _time);
        var job = await runner.NewJobAsync();
        await SendAsync(runner, job);
        _github.Default = new FakeGitHub.Answer(429, "{\"message\":\"slow down\"}", new Dictionary<string, string> { ["retry-after"] = "600" });
        _github.Route = null;
        var sweeper = runner.Services.GetRequiredService<TimeoutSweeper>();

        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(0, (await sweeper.SweepAsync(CancellationToken.None)).Reconciled);
        var asked = _github.Requests.Count;
        Assert.Equal(1, asked);

        // Paused for the 10 minutes GitHub asked: not asked again, and the silence deadline fails the job.
        _time.Advance(TimeSpan.FromMinutes(2));
        var result = await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal(1, result.TimedOut);
        Assert.Equal(asked, _github.Requests.Count);
        Assert.Equal("silent", (await runner.GetJobAsync(job)).Body.GetProperty("error").GetProperty("reason").GetString());
    }

    private async Task SendAsync(Runner runner, Guid job)
    {
        var at = _time.GetUtcNow();
        await runner.Services.GetRequiredService<JobStore>().UpdateAsync(job, j => j with { DispatchedAt = at, UpdatedAt = at }, CancellationToken.None);
        var response = await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"9006\"}}", at: at);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Sweep_GitHubRefusingTheToken_ChangesNothingAndLogsWhyWithoutTheToken()
    {
        var job = await DispatchedJobAsync("9007");
        _github.Route = null;
        _github.Default = new FakeGitHub.Answer(401, "{\"message\":\"Bad credentials\"}");
        _time.Advance(TimeSpan.FromSeconds(40));

        var result = await SweepAsync();
        Assert.Equal(0, result.Reconciled);
        Assert.Equal("queued", (await StatusAsync(job)).GetProperty("status").GetString());
        Assert.Contains(_runner.Logs.Lines, l => l.Contains(job.ToString(), StringComparison.Ordinal) && l.Contains("GITHUB_TOKEN", StringComparison.Ordinal));
        Assert.DoesNotContain(_runner.Logs.Lines, l => l.Contains("ghp_reconcile_token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Simulator_WithoutAGitHubToken_DoesNotReconcile()
    {
        await using var runner = await Runner.StartAsync(_azurite, time: _time);
        Assert.False(runner.Services.GetRequiredService<RunReconciler>().Enabled);
        Assert.True(_runner.Services.GetRequiredService<RunReconciler>().Enabled);
    }
}
