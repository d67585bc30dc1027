using System.Net;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Lifecycle;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Lifecycle;

/// <summary>
/// POST /api/jobs/{job_id}/cancel over HTTP against Azurite and a fake GitHub served over HTTP.
/// The queue functions are driven by hand (the message taken off the queue and given to the
/// handler the trigger calls), so each test decides when a dispatch or a cancel call happens.
/// </summary>
public sealed class CancelHttpTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private FakeGitHub _github = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _github = await FakeGitHub.StartAsync();
        _runner = await Runner.StartAsync(_azurite, new Dictionary<string, string?>
        {
            ["AzureWebJobs.CancelRun.Disabled"] = "true",
            ["GITHUB_TOKEN"] = "ghp_runner_token",
            ["GITHUB_OWNER"] = "octo",
            ["GITHUB_REPO"] = "infra",
            ["GITHUB_API_URL"] = _github.BaseUrl.AbsoluteUri,
            // No retry inside one delivery (its back-off would wait on the fake clock): a failed call is retried by the queue.
            ["DISPATCH_RETRY_ATTEMPTS"] = "0",
        }, _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _github.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private StorageClients Storage => _runner.Services.GetRequiredService<StorageClients>();

    /// <summary>Takes the next message off a queue and hands it to its handler, as the trigger does; false when the queue is empty.</summary>
    private async Task<bool> DeliverAsync(string queue, Func<string, Task> handle)
    {
        var client = Storage.Queue(queue);
        QueueMessage[] messages = (await client.ReceiveMessagesAsync(1)).Value;
        if (messages.Length == 0)
        {
            return false;
        }

        await handle(messages[0].MessageText);
        await client.DeleteMessageAsync(messages[0].MessageId, messages[0].PopReceipt);
        return true;
    }

    private Task<bool> DispatchAsync() =>
        DeliverAsync(StorageNames.DispatchQueue, m => _runner.Services.GetRequiredService<DispatchHandler>().HandleAsync(m, CancellationToken.None));

    private Task<bool> SendCancelAsync() =>
        DeliverAsync(CancelRunMessage.Queue, m => _runner.Services.GetRequiredService<CancelRunHandler>().HandleAsync(m, CancellationToken.None));

    private async Task<(HttpStatusCode Status, JsonElement Body)> CancelAsync(Guid job)
    {
        using var response = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null);
        return (response.StatusCode, await Runner.ReadJsonAsync(response));
    }

    private async Task<HttpStatusCode> CallbackAsync(Guid job, string fields) =>
        (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", at: _time.GetUtcNow())).StatusCode;

    private async Task<JsonElement> StatusAsync(Guid job) => (await _runner.GetJobAsync(job)).Body;

    private static string States(JsonElement document) =>
        string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

    private int CancelCalls(string runId) => _github.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith($"/repos/octo/infra/actions/runs/{runId}/cancel", StringComparison.Ordinal));

    [Fact]
    public async Task Cancel_BeforeDispatch_CancelledAtOnceAndNeverDispatched()
    {
        var job = await _runner.NewJobAsync();

        var (status, body) = await CancelAsync(job);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("cancelled", body.GetProperty("status").GetString());
        Assert.Equal("cancelled pending pending pending pending", States(body));
        Assert.Equal("provision", body.GetProperty("kind").GetString());
        Assert.Equal(1, body.GetProperty("attempt").GetInt32());

        // The dispatch message is still on the queue; its handler finds the job cancelled.
        Assert.True(await DispatchAsync());
        Assert.Empty(_github.Requests);
        Assert.False(await SendCancelAsync()); // nothing to cancel on GitHub
        Assert.Equal("cancelled", (await StatusAsync(job)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancel_AfterDispatchBeforeTheClaim_CancelsTheRunOnceAndRefusesTheLateClaim()
    {
        _github.Then(200, "{\"workflow_run_id\": 4242, \"html_url\": \"https://github.com/octo/infra/actions/runs/4242\"}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());

        var (status, body) = await CancelAsync(job);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("cancelling", body.GetProperty("status").GetString());

        // Asked again before the queue got to it: one more message, still one call to GitHub.
        Assert.Equal(HttpStatusCode.Accepted, (await CancelAsync(job)).Status);
        Assert.True(await SendCancelAsync());
        Assert.True(await SendCancelAsync());
        Assert.Equal(1, CancelCalls("4242"));
        Assert.Equal("Bearer ghp_runner_token", _github.Requests.Last().Authorization);

        // Asked once more after it got through: no message, no call.
        Assert.Equal(HttpStatusCode.Accepted, (await CancelAsync(job)).Status);
        Assert.False(await SendCancelAsync());
        Assert.Equal(1, CancelCalls("4242"));

        // The run GitHub had already started claims the job: it must stop before creating anything,
        // which confirms the cancel at once (no clean-up will come, and none is needed).
        Assert.Equal(HttpStatusCode.Conflict, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"4242\""));
        var document = await StatusAsync(job);
        Assert.Equal("cancelled", document.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("error").ValueKind); // not cancel_unconfirmed
        Assert.Equal("cancelled pending pending pending pending", States(document));

        // Another run of the same job (a retried dispatch) is refused too, and changes nothing.
        Assert.Equal(HttpStatusCode.Conflict, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"4243\""));
        Assert.Equal(document.GetProperty("updated_at").GetString(), (await StatusAsync(job)).GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task Cancel_RunIdNotKnownYet_NoCallAndTheClaimRefused()
    {
        _github.Then(204); // a dispatch that returns no run details
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());

        Assert.Equal("cancelling", (await CancelAsync(job)).Body.GetProperty("status").GetString());
        Assert.True(await SendCancelAsync());

        Assert.Single(_github.Requests); // the dispatch only
        Assert.Equal(HttpStatusCode.Conflict, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"77\""));
        Assert.Equal("cancelled", (await StatusAsync(job)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancel_MidRun_CancellingThenCancelledFromTheCleanUpOnTheActiveStep()
    {
        _github.Then(200, "{\"workflow_run_id\": 5150}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"5150\""));
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\""));

        var (status, body) = await CancelAsync(job);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("cancelling", body.GetProperty("status").GetString());
        Assert.True(await SendCancelAsync());
        Assert.Equal(1, CancelCalls("5150"));

        // The run is under way: its progress still counts until the clean-up reports.
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"type\":\"heartbeat\""));
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"cancelled\""));

        var document = await StatusAsync(job);
        Assert.Equal("cancelled", document.GetProperty("status").GetString());
        Assert.Equal("completed completed cancelled pending pending", States(document));
        Assert.Equal(JsonValueKind.Null, document.GetProperty("error").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, (await CancelAsync(job)).Status);
    }

    [Fact]
    public async Task CancelledReport_NobodyAskedToCancel_FailedTimedOutOnTheReportedStep()
    {
        _github.Then(200, "{\"workflow_run_id\": 5151}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"5151\""));
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\""));

        // The run reached its timeout-minutes: GitHub concluded it cancelled, and the clean-up said so.
        const string report = "\"status\":\"cancelled\",\"server_id\":\"4711\",\"failed_step\":\"install\",\"step\":\"install\","
            + "\"reason\":\"timed_out_or_cancelled\",\"error\":\"The provisioning run stopped in its install phase: it reached its time limit or was cancelled.\"";
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, report));
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, report)); // the clean-up's retry changes nothing

        var document = await StatusAsync(job);
        Assert.Equal("failed", document.GetProperty("status").GetString());
        var error = document.GetProperty("error");
        Assert.Equal("timed_out", error.GetProperty("reason").GetString());
        Assert.Equal("install", error.GetProperty("failed_step").GetString());
        Assert.Equal("installing", error.GetProperty("step_id").GetString());
        Assert.StartsWith("The provisioning run stopped in its install phase", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("completed completed error pending pending", States(document));
        Assert.Equal(0, CancelCalls("5151"));
    }

    [Fact]
    public async Task Cancel_GitHubFailsOnce_TheMessageIsDeliveredAgainAndTheCallMadeOnce()
    {
        _github.Then(200, "{\"workflow_run_id\": 6000}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());
        await CancelAsync(job);

        _github.Then(502); // the first delivery's call fails
        var queue = Storage.Queue(CancelRunMessage.Queue);
        var message = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1))).Value.Single();
        await Assert.ThrowsAnyAsync<Exception>(() => _runner.Services.GetRequiredService<CancelRunHandler>().HandleAsync(message.MessageText, CancellationToken.None));
        Assert.Equal("cancelling", (await StatusAsync(job)).GetProperty("status").GetString());

        await Task.Delay(1500); // the message becomes visible again, as after a failed delivery
        Assert.True(await SendCancelAsync());
        Assert.Equal(2, CancelCalls("6000")); // the failed one, and the one that got through

        // Once through, neither a repeated request nor its message calls GitHub again.
        Assert.Equal(HttpStatusCode.Accepted, (await CancelAsync(job)).Status);
        Assert.False(await SendCancelAsync());
        Assert.Equal(2, CancelCalls("6000"));
    }

    [Fact]
    public async Task Cancel_MessageLostAfterTheJobWrite_TheSweepCancelsTheRunOnce()
    {
        _github.Then(200, "{\"workflow_run_id\": 8000}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8000\""));
        Assert.Equal("cancelling", (await CancelAsync(job)).Body.GetProperty("status").GetString());

        // The process stopped between the job write and the enqueue: the message never reached the queue.
        await Storage.Queue(CancelRunMessage.Queue).ClearMessagesAsync();
        var sweeper = _runner.Services.GetRequiredService<TimeoutSweeper>();

        _time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None); // the message may still be on its way: no call yet
        Assert.Equal(0, CancelCalls("8000"));

        _time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal(1, CancelCalls("8000"));

        _time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None); // got through: recorded, not sent again
        Assert.Equal(1, CancelCalls("8000"));
        Assert.Equal("cancelling", (await StatusAsync(job)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"cancelled\""));
        Assert.Equal("cancelled", (await StatusAsync(job)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancel_MessageDelivered_TheSweepNeverSendsItAgain()
    {
        _github.Then(200, "{\"workflow_run_id\": 8100}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8100\""));
        await CancelAsync(job);
        Assert.True(await SendCancelAsync());
        var sweeper = _runner.Services.GetRequiredService<TimeoutSweeper>();

        for (var minute = 0; minute < 5; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await sweeper.SweepAsync(CancellationToken.None);
        }

        Assert.Equal(1, CancelCalls("8100"));
    }

    [Fact]
    public async Task Cancel_GitHubDownForTheSweep_TriedAgainByTheNextSweep()
    {
        _github.Then(200, "{\"workflow_run_id\": 8200}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8200\""));
        await CancelAsync(job);
        await Storage.Queue(CancelRunMessage.Queue).ClearMessagesAsync();
        var sweeper = _runner.Services.GetRequiredService<TimeoutSweeper>();

        _github.Then(502);
        _time.Advance(TimeSpan.FromMinutes(2));
        var failed = await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal(0, failed.Skipped); // the failed send is the watcher's to retry, not a skipped job
        Assert.Equal(1, CancelCalls("8200"));

        _time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal(2, CancelCalls("8200")); // the failed one, and the one that got through
    }

    [Fact]
    public async Task Sweep_CancelNeverConfirmed_EndsCancelledSayingSo()
    {
        _github.Then(200, "{\"workflow_run_id\": 7000}");
        var job = await _runner.NewJobAsync();
        Assert.True(await DispatchAsync());
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"7000\""));
        await CancelAsync(job);
        var sweeper = _runner.Services.GetRequiredService<TimeoutSweeper>();

        _time.Advance(TimeSpan.FromMinutes(14));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal("cancelling", (await StatusAsync(job)).GetProperty("status").GetString());

        _time.Advance(TimeSpan.FromMinutes(2));
        var result = await sweeper.SweepAsync(CancellationToken.None);

        var document = await StatusAsync(job);
        Assert.Equal(1, result.TimedOut);
        Assert.Equal("cancelled", document.GetProperty("status").GetString());
        Assert.Equal("completed cancelled pending pending pending", States(document));
        Assert.Equal("cancel_unconfirmed", document.GetProperty("error").GetProperty("reason").GetString());

        // A clean-up that reports after all changes nothing.
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(job, "\"status\":\"cancelled\""));
        Assert.Equal("cancel_unconfirmed", (await StatusAsync(job)).GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Cancel_EndedOrUnknownJob_409Or404()
    {
        var running = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(running, "\"status\":\"provisioning\",\"workflow_run_id\":\"1\""));
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(running, "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\""));
        var failed = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(failed, "\"status\":\"failed\",\"error\":\"x\""));

        var (status, problem) = await CancelAsync(running);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("is running", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await CancelAsync(failed)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CancelAsync(Guid.NewGuid())).Status);
        using var notAGuid = await _runner.Client.PostAsync(new Uri("/api/jobs/nope/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, notAGuid.StatusCode);
    }

    [Fact]
    public async Task Cancel_QueuedJob_ReleasesTheAgentForANewJob()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        await CancelAsync(job);

        var (created, _) = await _runner.CreateJobAsync(agent);

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.Equal([job], (await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri("/api/jobs?status=cancelled", UriKind.Relative)))).GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetGuid()));
    }
}
