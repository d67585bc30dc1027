using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Teardown;

/// <summary>A simulated deprovision run honours a cancel as the workflow does: it stops and reports <c>cancelled</c>. Own Azurite (dispatching runner).</summary>
public sealed class SimulatedTeardownCancelTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartSimulatedAsync(1500);

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    [Fact]
    public async Task Cancel_SimulatedDeprovisionUnderWay_ReportsCancelled_AndTheServerIsNotMarkedRemoved()
    {
        var agent = Runner.NewAgentId();
        var provision = await _runner.NewJobAsync(agent);
        await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(provision)).Body, d => d.GetProperty("status").GetString() == "running", TimeSpan.FromSeconds(60), "provisioned");
        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        var job = (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid();
        await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() == "provisioning", TimeSpan.FromSeconds(30), "the deprovision run's claim");

        using var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var cancelled = await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() != "cancelling", TimeSpan.FromSeconds(30), "the run's cancel report");
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("cancelled", cancelled.GetProperty("steps")[1].GetProperty("state").GetString());
        await Task.Delay(3000);
        Assert.Equal("cancelled", (await _runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
        var document = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative)));
        Assert.Equal(JsonValueKind.Null, document.GetProperty("server").GetProperty("removed_at").ValueKind);
    }
}
