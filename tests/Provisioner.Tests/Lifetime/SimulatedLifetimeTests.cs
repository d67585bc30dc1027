using System.Net;
using System.Text;
using System.Text.Json;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Lifetime;

/// <summary>
/// Issue 25's "done when", as <c>./run.sh</c> runs it with the simulated workflow: a job created
/// with <c>"ttl_minutes": 1</c> reaches Running and shows its cost (the simulated run reports a
/// price), then the time-out sweep removes it with a deprovision job (reason expired), and the
/// job shows a final cost. The clock is the real one moved forward (the sweep is called
/// directly), so the runs' own pauses stay real.
/// </summary>
public sealed class SimulatedLifetimeTests : IAsyncLifetime
{
    private readonly ShiftedTime _time = new();
    private DispatchingRunner _setup = null!;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartSimulatedAsync(50, new Dictionary<string, string?>(), _time);

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    [Fact]
    public async Task TtlOneMinute_RunningWithACost_ThenRemovedWhenItEnds_WithAFinalCost()
    {
        var agent = Runner.NewAgentId();
        using var content = new StringContent($"{{\"agent_id\":\"{agent}\",\"region\":\"eu-central\",\"ttl_minutes\":1}}", Encoding.UTF8, "application/json");
        using var created = await _runner.Client.PostAsync(new Uri("/api/jobs", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();

        var running = await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() == "running", TimeSpan.FromSeconds(30), "the run reached running");
        Assert.Equal(running.GetProperty("steps")[4].GetProperty("completed_at").GetDateTimeOffset().AddMinutes(1), running.GetProperty("expires_at").GetDateTimeOffset());
        var cost = running.GetProperty("cost");
        Assert.Equal("EUR", cost.GetProperty("currency").GetString());
        Assert.Equal("0.012376", cost.GetProperty("so_far_gross").GetString());
        Assert.Equal(JsonValueKind.Null, cost.GetProperty("final_gross").ValueKind);

        _time.Shift(TimeSpan.FromMinutes(2));
        await _runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);

        var removed = await Eventually.WaitAsync(
            async () => (await _runner.GetJobAsync(job)).Body,
            d => d.GetProperty("server").GetProperty("removed_at").ValueKind != JsonValueKind.Null,
            TimeSpan.FromSeconds(30),
            "the server removed");
        var tearDown = (await _runner.GetJobAsync(removed.GetProperty("server").GetProperty("removed_by_job_id").GetGuid())).Body;
        Assert.Equal(("deprovision", "expired", "running"), (tearDown.GetProperty("kind").GetString(), tearDown.GetProperty("reason").GetString(), tearDown.GetProperty("status").GetString()));
        Assert.Equal("0.012376", removed.GetProperty("cost").GetProperty("final_gross").GetString());
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("expires_at").ValueKind);

        // The audit log has it all: the person's create, and the tear down the backend started (nobody's request).
        var entries = await Eventually.WaitAsync(
            async () =>
            {
                using var audit = await _runner.Client.GetAsync(new Uri($"/api/audit?agent_id={agent}", UriKind.Relative));
                return (await Runner.ReadJsonAsync(audit)).GetProperty("entries").EnumerateArray().ToArray();
            },
            e => e.Length >= 2,
            TimeSpan.FromSeconds(10),
            "the create's and the expiry's entries");
        Assert.Equal(["server.expire", "job.create"], entries.Select(e => e.GetProperty("action").GetString() ?? ""));
        Assert.Equal(JsonValueKind.Null, entries[0].GetProperty("actor").ValueKind);
        Assert.Equal($"agent/{agent}", entries[0].GetProperty("target").GetString());
        Assert.Equal(tearDown.GetProperty("job_id").GetGuid(), entries[0].GetProperty("job_id").GetGuid());
        Assert.Equal((202, "accepted"), (entries[0].GetProperty("status_code").GetInt32(), entries[0].GetProperty("outcome").GetString()));
    }

    /// <summary>The real clock, moved forward on demand; timers stay real.</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        private long _ticks;

        public void Shift(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _ticks));
    }
}
