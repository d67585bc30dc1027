using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Teardown;

/// <summary><c>SIMULATOR_FAIL_AT=remove</c>: the simulated deprovision fails on Removing Server, as the workflow reports it.</summary>
public sealed class SimulatedTeardownFailureTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartSimulatedAsync(200, new Dictionary<string, string?> { ["SIMULATOR_FAIL_AT"] = "remove" });

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    [Fact]
    public async Task TearDown_SimulatorFailsAtRemove_ErrorOnRemovingServerAndTheServerStays()
    {
        var agent = Runner.NewAgentId();
        var provision = await _runner.NewJobAsync(agent);
        await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(provision)).Body, d => d.GetProperty("status").GetString() == "running", TimeSpan.FromSeconds(60), "provisioned");

        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        var job = (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid();

        var failed = await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() == "failed", TimeSpan.FromSeconds(60), "the deprovision failed");
        Assert.Equal("removing", failed.GetProperty("error").GetProperty("step_id").GetString());
        Assert.Equal("error", failed.GetProperty("steps")[1].GetProperty("state").GetString());
        var document = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative)));
        Assert.Equal(JsonValueKind.Null, document.GetProperty("server").GetProperty("removed_at").ValueKind);
    }
}
