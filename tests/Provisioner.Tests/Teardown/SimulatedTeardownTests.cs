using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Teardown;

/// <summary>
/// Tear down end to end as ./run.sh runs it: the queue trigger dispatches both the provision
/// and the deprovision job to the simulated workflow, which reports over HTTP, signed.
/// Own Azurite: a dispatching runner would take other tests' messages.
/// </summary>
public sealed class SimulatedTeardownTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartSimulatedAsync(200);

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    private Task<JsonElement> WaitForAsync(Guid job, string status) =>
        Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("status").GetString() == status, TimeSpan.FromSeconds(60), $"job {job} {status}");

    private async Task<JsonElement> ProvisioningAsync(string agent) =>
        await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative)));

    [Fact]
    public async Task TearDown_ThroughTheSimulator_RemovesTheServerAndFreesTheAgent()
    {
        var agent = Runner.NewAgentId();
        var provision = await _runner.NewJobAsync(agent);
        var running = await WaitForAsync(provision, "running");
        var serverId = running.GetProperty("server").GetProperty("id").GetString();
        Assert.False(string.IsNullOrEmpty(serverId));

        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var job = (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid();

        var removed = await WaitForAsync(job, "running");
        Assert.Equal("deprovision", removed.GetProperty("kind").GetString());
        Assert.Equal(["queued:completed", "removing:completed", "removed:completed"], removed.GetProperty("steps").EnumerateArray().Select(s => $"{s.GetProperty("id").GetString()}:{s.GetProperty("state").GetString()}"));
        Assert.StartsWith("sim-", removed.GetProperty("workflow_run_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(serverId, removed.GetProperty("server").GetProperty("id").GetString());

        var document = await ProvisioningAsync(agent);
        Assert.Equal(provision, document.GetProperty("job_id").GetGuid());
        Assert.NotEqual(JsonValueKind.Null, document.GetProperty("server").GetProperty("removed_at").ValueKind);
        Assert.Equal(job, document.GetProperty("server").GetProperty("removed_by_job_id").GetGuid());

        using var again = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        var (created, next) = await _runner.CreateJobAsync(agent);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        await WaitForAsync(next.GetProperty("job_id").GetGuid(), "running");

        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/jobs?status=running", UriKind.Relative)));
        Assert.Contains(list.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("job_id").GetGuid() == job && j.GetProperty("kind").GetString() == "deprovision");
    }
}
