using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.AgentHealth;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Teardown;

/// <summary>
/// Agent health stops with a tear down: the sweeper raises nothing for a server being or
/// having been removed, and the removed agent's reports are refused. Fake time; own Azurite
/// (the sweeper reads every running agent).
/// </summary>
public sealed class TeardownHealthTests : IAsyncLifetime
{
    private const string Ok = """{"status":"ok","checks":{"service":{"status":"ok"}}}""";

    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _runner = await Runner.StartAsync(_azurite, time: _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private async Task<JsonElement> SendAsync(Guid job, string fields)
    {
        var response = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", null, _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Runner.ReadJsonAsync(response);
    }

    private async Task<HttpResponseMessage> ReportAsync(string agent, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{agent}/health") { Content = new StringContent(Ok, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _runner.Client.SendAsync(request);
    }

    private async Task<(string Agent, Guid Job, string Key)> HealthyAgentAsync()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var key = (await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"6100\"")).GetProperty("agent_key").GetString()!;
        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"61\",\"server_ip\":\"203.0.113.61\",\"tailscale_ip\":\"100.64.0.61\"");
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.NoContent, (await ReportAsync(agent, key)).StatusCode);
        var sweeper = _runner.Services.GetRequiredService<AgentHealthSweeper>();
        Assert.Equal(HealthState.Healthy, Assert.Single(await sweeper.SweepAsync(CancellationToken.None)).To);
        return (agent, job, key);
    }

    [Fact]
    public async Task RemovedServer_SilentAgent_IsNotSweptToUnreachable_AndItsReportsAreRefused()
    {
        var (agent, job, key) = await HealthyAgentAsync();
        var sweeper = _runner.Services.GetRequiredService<AgentHealthSweeper>();

        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        var deprovision = (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid();
        await SendAsync(deprovision, "\"status\":\"provisioning\",\"workflow_run_id\":\"6200\"");

        // The server goes: the agent falls silent well past HEALTH_SILENCE_MINUTES while it is removed, and after.
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Empty(await sweeper.SweepAsync(CancellationToken.None));
        await SendAsync(deprovision, "\"status\":\"running\",\"server_id\":\"61\"");
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(await sweeper.SweepAsync(CancellationToken.None));

        var document = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal(JsonValueKind.Null, document.GetProperty("health").ValueKind);
        var refused = await ReportAsync(agent, key);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("removed", (await Runner.ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeoutSweeper_AppliesTheRemovedMarkACrashLeftOut_BeforeItLetsTheJobGo()
    {
        var (agent, job, _) = await HealthyAgentAsync();
        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        var deprovision = (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid();
        await SendAsync(deprovision, "\"status\":\"provisioning\",\"workflow_run_id\":\"6300\"");
        await SendAsync(deprovision, "\"status\":\"running\",\"server_id\":\"61\"");

        // As if the app had stopped between the callback and the mark.
        var jobs = _runner.Table(Provisioner.Functions.Storage.StorageNames.JobsTable);
        var row = (await jobs.GetEntityAsync<Azure.Data.Tables.TableEntity>(job.ToString("D"), Provisioner.Functions.Storage.JobEntity.Row)).Value;
        row.Remove("ServerRemovedAt");
        row.Remove("ServerRemovedByJobId");
        await jobs.UpdateEntityAsync(row, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace);

        await _runner.Services.GetRequiredService<Provisioner.Functions.TimeOuts.TimeoutSweeper>().SweepAsync(CancellationToken.None);

        var server = (await _runner.GetJobAsync(job)).Body.GetProperty("server");
        Assert.Equal(deprovision, server.GetProperty("removed_by_job_id").GetGuid());
        Assert.NotEqual(JsonValueKind.Null, server.GetProperty("removed_at").ValueKind);
    }

    [Fact]
    public async Task NotRemoved_SilentAgent_IsSweptToUnreachable()
    {
        // The same agent without the tear down: the sweep above is quiet because of it.
        var (_, _, _) = await HealthyAgentAsync();
        var sweeper = _runner.Services.GetRequiredService<AgentHealthSweeper>();

        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(HealthState.Unreachable, Assert.Single(await sweeper.SweepAsync(CancellationToken.None)).To);
    }
}
