using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.KeptServers;

/// <summary>
/// The backend ends holds, against Azurite on fake time: the time-out sweep keeps a failed job
/// holding its server watched, and once server.kept_until passes without a re-run from the failed
/// step it starts one deprovision job (reason hold_expired) for that server; never for a server a
/// re-run took over, never twice, and not while another job holds the agent.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class HoldExpiryTests(Azurite azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["KEEP_FAILED_SERVER_MINUTES"] = "30" }, _time);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private Task<SweepResult> SweepAsync() => _runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);

    private async Task<Guid?> TearDownOfAsync(string agent) =>
        (await _runner.Services.GetRequiredService<AgentStore>().FindAsync(agent, CancellationToken.None))?.TearDownJobId;

    /// <summary>A job whose run failed at Configuring Agent and kept server 4711 for 30 minutes.</summary>
    private async Task<Guid> HeldJobAsync(string agent)
    {
        var job = await _runner.NewJobAsync(agent);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"777\"}}")).StatusCode);
        var failure = $"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"ansible failed\",\"failed_step\":\"configure\",\"step\":\"configure\","
            + $"\"server_id\":\"4711\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\",\"server_kept_until\":\"{Iso(_time.GetUtcNow().AddMinutes(30))}\"}}";
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync(failure)).StatusCode);
        return job;
    }

    private async Task<HttpStatusCode> RetryAsync(Guid job, string from)
    {
        using var content = new StringContent($"{{\"from\":\"{from}\"}}", Encoding.UTF8, "application/json");
        using var response = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), content);
        return response.StatusCode;
    }

    [Fact]
    public async Task HoldPassed_OneDeprovisionJobForTheHeldServer_NotBeforeAndNotTwice()
    {
        var agent = Runner.NewAgentId();
        var job = await HeldJobAsync(agent);

        _time.Advance(TimeSpan.FromMinutes(29));
        await SweepAsync();
        Assert.Null(await TearDownOfAsync(agent)); // still held: the failed job stays watched

        _time.Advance(TimeSpan.FromMinutes(2));
        await SweepAsync();
        var tearDown = Assert.IsType<Guid>(await TearDownOfAsync(agent));
        var document = (await _runner.GetJobAsync(tearDown)).Body;
        Assert.Equal("deprovision", document.GetProperty("kind").GetString());
        Assert.Equal("hold_expired", document.GetProperty("reason").GetString());
        Assert.Equal("queued", document.GetProperty("status").GetString());
        Assert.Equal("4711", document.GetProperty("server").GetProperty("id").GetString());

        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();
        Assert.Equal(tearDown, await TearDownOfAsync(agent));
        Assert.Equal(JsonValueKind.Null, (await _runner.GetJobAsync(job)).Body.GetProperty("reason").ValueKind);

        // A re-run from the failed step now is refused cleanly: never a re-run and a removal on one server.
        Assert.Equal(HttpStatusCode.Conflict, await RetryAsync(job, "failed_step"));
        Assert.Equal(JsonValueKind.Null, (await _runner.GetJobAsync(job)).Body.GetProperty("next_job_id").ValueKind);
    }

    [Fact]
    public async Task HoldTakenOverByARerunFromTheFailedStep_NoDeprovisionJob()
    {
        var agent = Runner.NewAgentId();
        var job = await HeldJobAsync(agent);

        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.Accepted, await RetryAsync(job, "failed_step"));
        _time.Advance(TimeSpan.FromMinutes(2));
        await SweepAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();

        Assert.Null(await TearDownOfAsync(agent));
    }

    [Fact]
    public async Task HoldPassedWhileAnotherJobHoldsTheAgent_StartedAtTheSweepAfterItEnds()
    {
        var agent = Runner.NewAgentId();
        var job = await HeldJobAsync(agent);
        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.Accepted, await RetryAsync(job, "start"));
        var rerun = (await _runner.GetJobAsync(job)).Body.GetProperty("next_job_id").GetGuid();

        _time.Advance(TimeSpan.FromMinutes(2));
        await SweepAsync();
        Assert.Null(await TearDownOfAsync(agent)); // the re-run from the start holds the agent

        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{rerun}\",\"status\":\"provisioning\",\"workflow_run_id\":\"778\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{rerun}\",\"status\":\"failed\",\"error\":\"no capacity\",\"failed_step\":\"provision\"}}")).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();

        var tearDown = Assert.IsType<Guid>(await TearDownOfAsync(agent));
        Assert.Equal("hold_expired", (await _runner.GetJobAsync(tearDown)).Body.GetProperty("reason").GetString());
    }
}
