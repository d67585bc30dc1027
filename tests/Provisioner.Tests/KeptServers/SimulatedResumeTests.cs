using System.Net;
using System.Text;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.KeptServers;

/// <summary>
/// Re-run from the failed step end to end as ./run.sh runs it: the simulated workflow fails at
/// Configuring Agent and keeps its server; the re-run from the failed step reuses that server
/// and reaches Running.
/// </summary>
public sealed class SimulatedResumeTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartSimulatedAsync(200, new Dictionary<string, string?> { ["SIMULATOR_FAIL_AT"] = "configure" });

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    private Task<JsonElement> WaitForAsync(Guid job, string status) =>
        Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() == status, TimeSpan.FromSeconds(30), $"job {job} {status}");

    [Fact]
    public async Task FailAtConfiguring_RetryFromFailedStep_ReachesRunningOnTheKeptServer()
    {
        var agent = Runner.NewAgentId();
        var first = await _runner.NewJobAsync(agent);
        var failed = await WaitForAsync(first, "failed");
        Assert.Equal("configuring", failed.GetProperty("error").GetProperty("step_id").GetString());
        var server = failed.GetProperty("server");
        var serverId = server.GetProperty("id").GetString();
        Assert.StartsWith("sim-", serverId, StringComparison.Ordinal);
        Assert.True(server.GetProperty("kept_until").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(25));

        using var content = new StringContent("{\"from\":\"failed_step\"}", Encoding.UTF8, "application/json");
        using var retry = await _runner.Client.PostAsync(new Uri($"/api/jobs/{first}/retry", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var second = (await Runner.ReadJsonAsync(retry)).GetProperty("job_id").GetGuid();

        var running = await WaitForAsync(second, "running");
        Assert.Equal("configure", running.GetProperty("resume_from").GetString());
        Assert.Equal(serverId, running.GetProperty("server").GetProperty("id").GetString());
        Assert.All(running.GetProperty("steps").EnumerateArray(), s => Assert.Equal("completed", s.GetProperty("state").GetString()));
        Assert.Equal(2, running.GetProperty("attempt").GetInt32());
        Assert.Equal(second, (await _runner.GetJobAsync(first)).Body.GetProperty("next_job_id").GetGuid());

        // A run from the start still meets the injected failure.
        var fresh = await _runner.NewJobAsync();
        Assert.Equal("failed", (await WaitForAsync(fresh, "failed")).GetProperty("status").GetString());
    }
}
