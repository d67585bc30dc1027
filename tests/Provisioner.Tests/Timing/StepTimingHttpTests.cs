using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Timing;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Timing;

/// <summary>
/// Step timings and the estimate, over HTTP against the runner and Azurite, on fake time: runs
/// are played by callbacks with known durations. Each test uses its own region, so its window
/// is its own.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class StepTimingHttpTests(Azurite azurite) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _region = "eta-" + Guid.NewGuid().ToString("N")[..8];
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite, time: _time);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    /// <summary>Seconds spent on Queued, Creating, Installing, Configuring, Running by simulated run <paramref name="i"/>.</summary>
    private static int[] Durations(int i) => [10 + i, 60 + (7 * i), 120 + (11 * i), 90 + (3 * i), 5];

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

    private static readonly string[] Callbacks =
    [
        "\"status\":\"provisioning\",\"workflow_run_id\":\"RUN\"",
        "\"status\":\"provisioning\",\"step\":\"vm_created\"",
        "\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\"",
        "\"status\":\"provisioning\",\"step\":\"ansible_complete\"",
        "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"",
    ];

    /// <summary>Plays a whole successful run with the durations of run <paramref name="i"/>, sending the running callback twice.</summary>
    private async Task PlayRunAsync(int i)
    {
        var job = await NewJobAsync();
        var durations = Durations(i);
        for (var step = 0; step < 5; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(durations[step]));
            await SendAsync(job, Callbacks[step].Replace("RUN", $"{7000 + i}", StringComparison.Ordinal));
        }

        await SendAsync(job, Callbacks[4]); // a repeated running callback (a retry): counted once
    }

    private async Task<JsonElement> StatusAsync(Guid job) => (await _runner.GetJobAsync(job)).Body;

    private Task<StepWindow> WindowAsync() => _runner.Services.GetRequiredService<StepTimings>().ReadAsync(_region, "full", CancellationToken.None);

    [Fact]
    public async Task Estimate_AfterFiveSuccessfulRuns_AppearsWithinTheSpreadOfTheirDurations_AndNotBefore()
    {
        for (var i = 0; i < 5; i++)
        {
            var probe = await NewJobAsync();
            var before = await StatusAsync(probe);
            Assert.Equal(JsonValueKind.Null, before.GetProperty("estimated_completion_at").ValueKind);
            var expected = before.GetProperty("steps")[1].GetProperty("expected_seconds");
            Assert.Equal(i == 0 ? JsonValueKind.Null : JsonValueKind.Number, expected.ValueKind);

            await PlayRunAsync(i);
            Assert.Equal(i + 1, (await WindowAsync()).Samples.Count);
        }

        var job = await NewJobAsync();
        var created = _time.GetUtcNow();
        var document = await StatusAsync(job);
        var estimate = document.GetProperty("estimated_completion_at").GetDateTimeOffset();
        var totals = Enumerable.Range(0, 5).Select(i => Durations(i).Sum()).ToList();
        Assert.InRange((estimate - created).TotalSeconds, totals.Min(), totals.Max());

        // Each step expects the median of the five runs (run 2's durations, as they grow with i).
        var steps = document.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(Durations(2), steps.Select(s => s.GetProperty("expected_seconds").GetInt32()));
        Assert.All(steps, s => Assert.False(s.GetProperty("slow").GetBoolean()));

        // The job moves on: the estimate follows the step it is on.
        _time.Advance(TimeSpan.FromSeconds(10));
        await SendAsync(job, Callbacks[0].Replace("RUN", "7100", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(50));
        await SendAsync(job, Callbacks[1]);
        var moved = (await StatusAsync(job)).GetProperty("estimated_completion_at").GetDateTimeOffset();
        Assert.Equal(_time.GetUtcNow().AddSeconds(Durations(2)[2] + Durations(2)[3] + Durations(2)[4]).ToUnixTimeSeconds(), moved.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Step_RunningMoreThanTwiceItsExpectedTime_IsSlow_AndTheEstimateStaysPut()
    {
        for (var i = 0; i < 5; i++)
        {
            await PlayRunAsync(i);
        }

        var job = await NewJobAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await SendAsync(job, Callbacks[0].Replace("RUN", "7200", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromSeconds(60));
        await SendAsync(job, Callbacks[1]);

        var usual = Durations(2)[2];
        _time.Advance(TimeSpan.FromSeconds(usual * 2 + 1));
        var document = await StatusAsync(job);
        var installing = document.GetProperty("steps")[2];
        Assert.Equal("active", installing.GetProperty("state").GetString());
        Assert.True(installing.GetProperty("slow").GetBoolean());
        Assert.False(document.GetProperty("steps")[1].GetProperty("slow").GetBoolean());
        var estimate = document.GetProperty("estimated_completion_at").GetDateTimeOffset();
        var installingStarted = installing.GetProperty("started_at").GetDateTimeOffset();
        Assert.Equal(installingStarted.AddSeconds(Durations(2)[2] + Durations(2)[3] + Durations(2)[4]).ToUnixTimeSeconds(), estimate.ToUnixTimeSeconds());

        // Polled again later, the same document: nothing but the job's own facts moves it.
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(document.GetRawText(), (await StatusAsync(job)).GetRawText());
    }

    [Fact]
    public async Task Window_KeepsTheLastTwentyRuns_AndEndedJobsCarryNoEstimate()
    {
        for (var i = 0; i < StepWindow.Size + 2; i++)
        {
            await PlayRunAsync(i % 5);
        }

        Assert.Equal(StepWindow.Size, (await WindowAsync()).Samples.Count);
        var ended = await NewJobAsync();
        await SendAsync(ended, Callbacks[4]);
        var document = await StatusAsync(ended);
        Assert.Equal(JsonValueKind.Null, document.GetProperty("estimated_completion_at").ValueKind);
        Assert.All(document.GetProperty("steps").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("expected_seconds").ValueKind));
    }
}
