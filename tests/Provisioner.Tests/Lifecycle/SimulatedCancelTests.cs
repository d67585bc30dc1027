using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Lifecycle;

/// <summary>
/// Cancel end to end as ./run.sh runs it: the queue triggers dispatch the job to the simulated
/// workflow and carry the cancel to it; its clean-up reports status: cancelled over HTTP.
/// </summary>
public sealed class SimulatedCancelTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartSimulatedAsync(1500);

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    [Fact]
    public async Task Cancel_SimulatedRunUnderWay_StopsAndItsCleanUpReportsCancelled()
    {
        var job = await _runner.NewJobAsync();
        await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() == "provisioning", TimeSpan.FromSeconds(30), "the run's claim");

        using var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelling", (await Runner.ReadJsonAsync(cancel)).GetProperty("status").GetString());

        var document = await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() != "cancelling", TimeSpan.FromSeconds(30), "the clean-up's report");
        Assert.Equal("cancelled", document.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("error").ValueKind);
        Assert.Contains("cancelled", document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

        // The run stopped: it never reported running.
        await Task.Delay(4000);
        Assert.Equal("cancelled", (await _runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, (await _runner.GetJobAsync(job)).Body.GetProperty("server").ValueKind);
    }
}
