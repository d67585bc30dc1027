using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Storage;
using Provisioner.Functions.Timing;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Status;

/// <summary>
/// One storage request per status document (docs/performance.md, "One read per status"): the
/// app's table requests are counted at its storage client by a pipeline policy, per kind of
/// job, over HTTP against the runner and Azurite on fake time. And the step-timing window the
/// document takes from memory stays right: replaced when a run finishes in this process, read
/// again after <see cref="StepTimings.Freshness"/> otherwise.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class StatusReadTests(Azurite azurite) : IAsyncLifetime
{
    private const string Report = """{"status":"ok","checks":{"disk":{"status":"ok","message":"71% free"}},"version":"1.0.0"}""";
    private const string Degraded = """{"status":"degraded","checks":{"disk":{"status":"failed","message":"3% free"}},"version":"1.0.0"}""";

    private static readonly string[] Callbacks =
    [
        "\"status\":\"provisioning\",\"workflow_run_id\":\"RUN\"",
        "\"status\":\"provisioning\",\"step\":\"vm_created\"",
        "\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\"",
        "\"status\":\"provisioning\",\"step\":\"ansible_complete\"",
        "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"",
    ];

    private static readonly int[] Durations = [12, 64, 130, 93, 5];

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly StorageRequestCounter _counter = new();
    private readonly string _region = "reads-" + Guid.NewGuid().ToString("N")[..8];
    private Runner _runner = null!;

    public async Task InitializeAsync() =>
        _runner = await Runner.StartAsync(azurite, time: _time, services: s => s.AddSingleton(_counter));

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task StatusCall_CostsOneStorageRequest_ForAQueuedAnInFlightAndARunningJob_AndTheAgentView()
    {
        var queued = await NewJobAsync();
        var inFlight = await NewJobAsync();
        await SendAsync(inFlight, Callbacks[0].Replace("RUN", "8101", StringComparison.Ordinal));
        var (running, agent, key) = await RunningJobAsync("8102");
        await ReportAsync(agent, key, Report);

        foreach (var (kind, path) in new[] { ("queued", $"/api/jobs/{queued}"), ("in flight", $"/api/jobs/{inFlight}"), ("running", $"/api/jobs/{running}"), ("agent view", $"/api/agents/{agent}/provisioning") })
        {
            await GetAsync(path); // the first read of a process may fill what it keeps in memory
            var (requests, body) = await CountedGetAsync(path);
            Assert.True(requests.Total == 1, $"{kind}: {requests.Total} storage requests ({requests.Detail}), want 1");
            if (kind is "running" or "agent view")
            {
                Assert.Equal("healthy", body.GetProperty("health").GetProperty("state").GetString());
            }
        }

        // A 304 is answered from the same single read.
        var (first, _) = await _runner.GetJobAsync(running);
        _counter.Reset();
        using (var notModified = await ConditionalGetAsync($"/api/jobs/{running}", first.Headers.ETag!))
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        Assert.Equal(1, _counter.Total);

        // The health shown comes from the same read, so a new report changes the document and its ETag.
        _time.Advance(TimeSpan.FromSeconds(61));
        await ReportAsync(agent, key, Degraded);
        using var changed = await ConditionalGetAsync($"/api/jobs/{running}", first.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("degraded", (await Runner.ReadJsonAsync(changed)).GetProperty("health").GetProperty("state").GetString());
    }

    [Fact]
    public async Task AgentView_ANewerJobOfTheAgent_IsShownAtOnce_ThoughTheOlderWasRemembered()
    {
        var (older, agent, _) = await RunningJobAsync("8201");
        Assert.Equal(older, (await GetAsync($"/api/agents/{agent}/provisioning")).GetProperty("job_id").GetGuid());
        Assert.Equal(older, (await GetAsync($"/api/agents/{agent}/provisioning")).GetProperty("job_id").GetGuid());

        var newer = await _runner.NewJobAsync(agent); // the claim marks the older job replaced
        Assert.Equal(newer, (await GetAsync($"/api/agents/{agent}/provisioning")).GetProperty("job_id").GetGuid());
        var (requests, body) = await CountedGetAsync($"/api/agents/{agent}/provisioning");
        Assert.Equal(newer, body.GetProperty("job_id").GetGuid());
        Assert.True(requests.Total == 1, $"{requests.Total} storage requests ({requests.Detail}), want 1");
    }

    [Fact]
    public async Task CachedTimingWindow_IsReplaced_WhenARunFinishesInThisProcess()
    {
        var probe = await NewJobAsync();
        await SendAsync(probe, Callbacks[0].Replace("RUN", "8300", StringComparison.Ordinal));
        var before = await GetAsync($"/api/jobs/{probe}");
        Assert.Equal(JsonValueKind.Null, before.GetProperty("steps")[2].GetProperty("expected_seconds").ValueKind);

        await PlayRunAsync("8301"); // minutes of fake time: a window read before it would be stale by now

        // The run reached running in this process: the document shows it with no read of the window.
        var (requests, after) = await CountedGetAsync($"/api/jobs/{probe}");
        Assert.Equal(Durations, after.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("expected_seconds").GetInt32()));
        Assert.True(requests.Total == 1, $"{requests.Total} storage requests ({requests.Detail}), want 1: the job row only");
        Assert.Single((await _runner.Services.GetRequiredService<StepTimings>().ReadAsync(_region, InstallModes.Full, CancellationToken.None)).Samples);
    }

    [Fact]
    public async Task CachedTimingWindow_ChangedByAnotherProcess_IsReadAgainAfterItsFreshness()
    {
        var probe = await NewJobAsync();
        await SendAsync(probe, Callbacks[0].Replace("RUN", "8400", StringComparison.Ordinal));
        var before = await _runner.GetJobAsync(probe);
        Assert.Equal(JsonValueKind.Null, before.Body.GetProperty("steps")[1].GetProperty("expected_seconds").ValueKind);

        // Another instance records a run: this one keeps its window until it is no longer fresh.
        var samples = new[] { new { job_id = Guid.NewGuid(), seconds = new[] { 10.0, 70, 140, 95, 5 } } };
        await _runner.Table(StorageNames.JobsTable).UpsertEntityAsync(new TableEntity(StepTimingEntity.PartitionPrefix + _region, InstallModes.Full) { ["Window"] = JsonSerializer.Serialize(samples) });
        _time.Advance(StepTimings.Freshness - TimeSpan.FromSeconds(1));
        var stale = await GetAsync($"/api/jobs/{probe}");
        Assert.Equal(JsonValueKind.Null, stale.GetProperty("steps")[1].GetProperty("expected_seconds").ValueKind);

        _time.Advance(TimeSpan.FromSeconds(2));
        using var fresh = await ConditionalGetAsync($"/api/jobs/{probe}", before.Response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode); // the ETA changed, so the ETag did
        Assert.Equal(70, (await Runner.ReadJsonAsync(fresh)).GetProperty("steps")[1].GetProperty("expected_seconds").GetInt32());
    }

    private async Task<Guid> NewJobAsync()
    {
        var (response, body) = await _runner.CreateJobAsync(Runner.NewAgentId(), _region);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return body.GetProperty("job_id").GetGuid();
    }

    private async Task<HttpResponseMessage> SendAsync(Guid job, string fields)
    {
        var response = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", at: _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private async Task<(Guid Job, string Agent, string Key)> RunningJobAsync(string runId)
    {
        var agent = Runner.NewAgentId();
        var (created, createdBody) = await _runner.CreateJobAsync(agent, _region);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var job = createdBody.GetProperty("job_id").GetGuid();
        var claim = await Runner.ReadJsonAsync(await SendAsync(job, Callbacks[0].Replace("RUN", runId, StringComparison.Ordinal)));
        await SendAsync(job, Callbacks[4]);
        return (job, agent, claim.GetProperty("agent_key").GetString()!);
    }

    private async Task PlayRunAsync(string runId)
    {
        var job = await NewJobAsync();
        for (var step = 0; step < 5; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(Durations[step]));
            await SendAsync(job, Callbacks[step].Replace("RUN", runId, StringComparison.Ordinal));
        }
    }

    private async Task ReportAsync(string agent, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{agent}/health") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _runner.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _runner.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Runner.ReadJsonAsync(response);
    }

    private async Task<((long Total, string Detail) Requests, JsonElement Body)> CountedGetAsync(string path)
    {
        _counter.Reset();
        var body = await GetAsync(path);
        var detail = string.Join(", ", _counter.ByRequest.Select(p => $"{p.Key}: {p.Value}"));
        return ((_counter.Total, detail), body);
    }

    private Task<HttpResponseMessage> ConditionalGetAsync(string path, EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(etag);
        return _runner.Client.SendAsync(request);
    }
}
