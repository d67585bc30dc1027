using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Timing;

/// <summary>
/// GET /api/stats/steps over HTTP against the runner and Azurite, on fake time: runs played by
/// signed callbacks with known durations, in a region of the test's own.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class StepStatsHttpTests(Azurite azurite) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _region = "st-" + Guid.NewGuid().ToString("N")[..8];
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite, time: _time);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private static readonly string[] Callbacks =
    [
        "\"status\":\"provisioning\",\"workflow_run_id\":\"RUN\"",
        "\"status\":\"provisioning\",\"step\":\"vm_created\"",
        "\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\"",
        "\"status\":\"provisioning\",\"step\":\"ansible_complete\"",
        "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"",
    ];

    private async Task SendAsync(Guid job, string fields) =>
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", at: _time.GetUtcNow())).StatusCode);

    /// <summary>Plays a run whose Creating step takes <paramref name="creating"/> seconds; it fails at install after <paramref name="steps"/> callbacks when fewer than 5.</summary>
    private async Task PlayAsync(int creating, int steps = 5)
    {
        var (response, body) = await _runner.CreateJobAsync(Runner.NewAgentId(), _region);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = body.GetProperty("job_id").GetGuid();
        int[] durations = [10, creating, 120, 90, 5];
        for (var step = 0; step < steps; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(durations[step]));
            await SendAsync(job, Callbacks[step].Replace("RUN", $"{Random.Shared.Next(1, 1_000_000)}", StringComparison.Ordinal));
        }

        if (steps < 5)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            await SendAsync(job, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");
        }
        else
        {
            await SendAsync(job, Callbacks[4]); // a repeated running callback: counted once
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> StatsAsync(string query)
    {
        using var response = await _runner.Client.GetAsync(new Uri($"/api/stats/steps{query}", UriKind.Relative));
        return (response.StatusCode, await Runner.ReadJsonAsync(response));
    }

    private static JsonElement Step(JsonElement stats, string step) =>
        stats.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == step);

    [Fact]
    public async Task Stats_AfterRunsFinish_GiveCountP50AndP95PerStep()
    {
        for (var i = 1; i <= 20; i++)
        {
            await PlayAsync(creating: 30 * i); // 30, 60, … 600 s
        }

        await PlayAsync(creating: 45, steps: 3); // failed at install: its queued and creating count, install does not

        var (status, stats) = await StatsAsync($"?region={_region}&days=7");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(_region, stats.GetProperty("region").GetString());
        Assert.Equal(7, stats.GetProperty("days").GetInt32());
        var creating = Step(stats, "creating");
        Assert.Equal(21, creating.GetProperty("count").GetInt64());
        Assert.InRange(creating.GetProperty("p50_seconds").GetDouble(), 300 * 0.975, 300 * 1.025); // the 11th of 21: 300 s
        Assert.InRange(creating.GetProperty("p95_seconds").GetDouble(), 570 * 0.975, 570 * 1.025); // the 20th of 21: 570 s
        Assert.Equal(20, Step(stats, "installing").GetProperty("count").GetInt64());
        Assert.InRange(Step(stats, "installing").GetProperty("p50_seconds").GetDouble(), 117, 123);

        // Every region when none is named; this one among them.
        var (allStatus, all) = await StatsAsync("");
        Assert.Equal(HttpStatusCode.OK, allStatus);
        Assert.Contains(all.GetProperty("steps").EnumerateArray(), s => s.GetProperty("region").GetString() == _region);

        // Runs that ended more than `days` ago are left out.
        _time.Advance(TimeSpan.FromDays(3));
        var (_, later) = await StatsAsync($"?region={_region}&days=1");
        Assert.Empty(later.GetProperty("steps").EnumerateArray());
    }

    [Theory]
    [InlineData("?days=0", "days")]
    [InlineData("?days=91", "days")]
    [InlineData("?days=abc", "days")]
    [InlineData("?region=Not_A_Region", "region")]
    [InlineData("?region=nowhere-at-all", "nowhere-at-all")]
    public async Task Stats_WithBadInput_Are400NamingIt(string query, string named)
    {
        var (status, problem) = await StatsAsync(query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
