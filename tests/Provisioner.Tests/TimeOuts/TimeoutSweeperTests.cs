using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.TimeOuts;

/// <summary>Time-outs on fake time against Azurite. Own Azurite: moving the clock must not fail other tests' jobs.</summary>
public sealed class TimeoutSweeperTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _runner = await Runner.StartAsync(_azurite, time: _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private Task<SweepResult> SweepAsync() => _runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);

    private async Task SendAsync(Guid job, string fields)
    {
        var response = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", at: _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> StatusAsync(Guid job) => (await _runner.GetJobAsync(job)).Body;

    private static string States(JsonElement document) =>
        string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

    [Fact]
    public async Task Sweep_SilentJob_FailsOnTheActiveStepSayingItTimedOut()
    {
        var job = await _runner.NewJobAsync();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"1\"");
        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");

        _time.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(0, (await SweepAsync()).TimedOut);
        Assert.Equal("provisioning", (await StatusAsync(job)).GetProperty("status").GetString());

        _time.Advance(TimeSpan.FromMinutes(2));
        var result = await SweepAsync();
        Assert.Equal(1, result.TimedOut);

        var document = await StatusAsync(job);
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal("completed completed error pending pending", States(document));
        Assert.StartsWith("Timed out", document.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("15 minutes", document.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("JOB_TIMEOUT_MINUTES", document.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("silent", document.GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Sweep_DispatchedJobWhoseRunNeverReports_FailsAsNotStarted()
    {
        var job = await _runner.NewJobAsync();
        var dispatchedAt = _time.GetUtcNow();
        await _runner.Services.GetRequiredService<JobStore>().UpdateAsync(job, j => j with { DispatchedAt = dispatchedAt, WorkflowRunId = "88", UpdatedAt = dispatchedAt }, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(0, (await SweepAsync()).TimedOut);

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await SweepAsync()).TimedOut);
        var document = await StatusAsync(job);
        Assert.Equal("dispatch_not_started", document.GetProperty("error").GetProperty("reason").GetString());
        Assert.Contains("DISPATCH_START_MINUTES", document.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("error pending pending pending pending", States(document));

        // The run that shows up late is refused: nobody tracks the VM it would build.
        var late = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"88\"}}", at: _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("failed", (await StatusAsync(job)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Sweep_JobThatKeepsReportingPastItsMaximum_FailsAsTooLong()
    {
        var job = await _runner.NewJobAsync();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"3\"");
        for (var minute = 0; minute < 60; minute += 5)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            await SendAsync(job, "\"type\":\"heartbeat\"");
            Assert.Equal(0, (await SweepAsync()).TimedOut);
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await SweepAsync()).TimedOut);
        var error = (await StatusAsync(job)).GetProperty("error");
        Assert.Equal("too_long", error.GetProperty("reason").GetString());
        Assert.Contains("60 minutes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("JOB_MAX_MINUTES", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_UsesTheConfiguredLimits_InFractionsOfAMinute()
    {
        await using var runner = await Runner.StartAsync(_azurite, new Dictionary<string, string?>
        {
            ["DISPATCH_START_MINUTES"] = "0.5",
            ["JOB_TIMEOUT_MINUTES"] = "0.5",
            ["JOB_MAX_MINUTES"] = "1.5",
        }, time: _time);
        var sweeper = runner.Services.GetRequiredService<TimeoutSweeper>();
        var job = await runner.NewJobAsync();
        await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"4\"}}", at: _time.GetUtcNow());
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(20));
            await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"type\":\"heartbeat\"}}", at: _time.GetUtcNow());
            Assert.Equal(0, (await sweeper.SweepAsync(CancellationToken.None)).TimedOut);
        }

        _time.Advance(TimeSpan.FromSeconds(20)); // 100 s after creation: past 1.5 minutes, 20 s after the last heartbeat
        Assert.Equal(1, (await sweeper.SweepAsync(CancellationToken.None)).TimedOut);
        Assert.Equal("too_long", (await runner.GetJobAsync(job)).Body.GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Sweep_JobWithRecentHeartbeats_IsLeftAlone()
    {
        var job = await _runner.NewJobAsync();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"2\"");
        for (var minute = 0; minute < 30; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await SendAsync(job, "\"type\":\"heartbeat\"");
        }

        Assert.Equal(0, (await SweepAsync()).TimedOut);
        Assert.Equal("provisioning", (await StatusAsync(job)).GetProperty("status").GetString());

        // Silence after the last heartbeat: now it times out, on the step that was active.
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(1, (await SweepAsync()).TimedOut);
        Assert.Equal("completed error pending pending pending", States(await StatusAsync(job)));
    }

    [Fact]
    public async Task Sweep_QueuedJobThatWasNeverPickedUp_FailsOnQueued()
    {
        var job = await _runner.NewJobAsync();
        _time.Advance(TimeSpan.FromMinutes(16));
        await SweepAsync();
        var document = await StatusAsync(job);
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal("error pending pending pending pending", States(document));
    }

    [Fact]
    public async Task Sweep_ReadsOnlyJobsInFlight_AndForgetsThemOnceEnded()
    {
        var finished = await _runner.NewJobAsync();
        await SendAsync(finished, "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"");
        var inFlight = await _runner.NewJobAsync();

        var first = await SweepAsync();
        Assert.Equal(2, first.Watched);
        Assert.Equal(1, first.Released);

        var second = await SweepAsync();
        Assert.Equal(1, second.Watched);
        Assert.Equal(0, second.Released);

        // A job created long ago and finished is in no index the sweeper reads.
        var index = _runner.Table("inflight").QueryAsync<TableEntity>(e => e.PartitionKey == "inflight");
        var rows = new List<string>();
        await foreach (var row in index)
        {
            rows.Add(row.RowKey);
        }

        Assert.Equal([inFlight.ToString()], rows);
        Assert.Equal("running", (await StatusAsync(finished)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Sweep_TerminalJob_IsNeverTimedOut()
    {
        var job = await _runner.NewJobAsync();
        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"");
        _time.Advance(TimeSpan.FromHours(5));
        Assert.Equal(0, (await SweepAsync()).TimedOut);
        Assert.Equal("running", (await StatusAsync(job)).GetProperty("status").GetString());
    }
}
