using System.Text.Json;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.KeptServers;

/// <summary>
/// The backend ends holds end to end, as <c>SIMULATOR_FAIL_AT=configure KEEP_FAILED_SERVER_MINUTES=1 ./run.sh</c>
/// runs it: the simulated run fails at Configuring Agent and keeps its server for a minute; once
/// that has passed, the time-out sweep starts a deprovision job (reason hold_expired), the
/// simulated deprovision workflow removes the server, and the failed job shows server.removed_at.
/// The clock is the real one moved forward (the sweep's timer is called directly), so the runs'
/// own pauses stay real.
/// </summary>
public sealed class SimulatedHoldExpiryTests : IAsyncLifetime
{
    private readonly ShiftedTime _time = new();
    private DispatchingRunner _setup = null!;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartSimulatedAsync(
        50,
        new Dictionary<string, string?> { ["SIMULATOR_FAIL_AT"] = "configure", ["KEEP_FAILED_SERVER_MINUTES"] = "1" },
        _time);

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    [Fact]
    public async Task FailAtConfiguring_HoldPasses_TheBackendRemovesTheHeldServer()
    {
        var job = await _runner.NewJobAsync(Runner.NewAgentId());
        var failed = await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() == "failed", TimeSpan.FromSeconds(30), "the run failed");
        var server = failed.GetProperty("server");
        Assert.Equal(JsonValueKind.Null, server.GetProperty("removed_at").ValueKind);
        var sweeper = _runner.Services.GetRequiredService<TimeoutSweeper>();

        await sweeper.SweepAsync(CancellationToken.None); // within the minute: still held
        Assert.Equal(JsonValueKind.Null, (await _runner.GetJobAsync(job)).Body.GetProperty("server").GetProperty("removed_at").ValueKind);

        _time.Shift(TimeSpan.FromMinutes(2));
        await sweeper.SweepAsync(CancellationToken.None);

        var removed = await Eventually.WaitAsync(
            async () => (await _runner.GetJobAsync(job)).Body.GetProperty("server"),
            s => s.GetProperty("removed_at").ValueKind != JsonValueKind.Null,
            TimeSpan.FromSeconds(30),
            "the held server removed");
        Assert.Equal(server.GetProperty("id").GetString(), removed.GetProperty("id").GetString());
        var tearDown = (await _runner.GetJobAsync(removed.GetProperty("removed_by_job_id").GetGuid())).Body;
        Assert.Equal("deprovision", tearDown.GetProperty("kind").GetString());
        Assert.Equal("hold_expired", tearDown.GetProperty("reason").GetString());
        Assert.Equal("running", tearDown.GetProperty("status").GetString());
    }

    /// <summary>The real clock, moved forward on demand; timers stay real.</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        private long _ticks;

        public void Shift(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _ticks));
    }
}
