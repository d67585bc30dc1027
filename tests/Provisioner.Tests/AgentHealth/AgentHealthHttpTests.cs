using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.AgentHealth;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.AgentHealth;

/// <summary>
/// The agent key and health reports over HTTP against the runner and Azurite, on fake time.
/// Own Azurite: the clock moves, and the sweeper reads every running agent.
/// </summary>
public sealed class AgentHealthHttpTests : IAsyncLifetime
{
    private const string Ok = """{"status":"ok","checks":{"service":{"status":"ok"},"disk":{"status":"ok","message":"71% free"}},"version":"1.4.2"}""";
    private const string Degraded = """{"status":"degraded","checks":{"service":{"status":"ok"},"disk":{"status":"failed","message":"3% free on /"}}}""";

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

    private Task<HttpResponseMessage> SendAsync(Guid job, string fields, string? webhookId = null) =>
        _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}", webhookId, _time.GetUtcNow());

    private async Task<string> ClaimAsync(Guid job, string runId = "4711", string? webhookId = null)
    {
        var response = await SendAsync(job, $"\"status\":\"provisioning\",\"workflow_run_id\":\"{runId}\"", webhookId);
        var body = await Runner.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("received").GetBoolean());
        return body.GetProperty("agent_key").GetString()!;
    }

    private async Task RunningAsync(Guid job)
    {
        var response = await SendAsync(job, "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.9\",\"tailscale_ip\":\"100.64.0.9\"");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HttpResponseMessage> ReportAsync(string agentId, string? key, string body, string scheme = "Bearer")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{agentId}/health") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(scheme, key);
        }

        return await _runner.Client.SendAsync(request);
    }

    private async Task<(Guid Job, string Agent, string Key)> RunningJobAsync()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var key = await ClaimAsync(job);
        await RunningAsync(job);
        return (job, agent, key);
    }

    private async Task<JsonElement> HealthAsync(Guid job)
    {
        var (response, body) = await _runner.GetJobAsync(job);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("health");
    }

    private async Task<int> HealthRowsAsync(string agentId)
    {
        var count = 0;
        await foreach (var row in _runner.Table("agenthealth").QueryAsync<TableEntity>(e => e.RowKey == agentId))
        {
            count += row.ContainsKey("LastReportAt") ? 1 : 0;
        }

        return count;
    }

    private static async Task AssertStatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
    }

    [Fact]
    public async Task Claim_AcceptedAndReplayed_AnswersTheSameKeyBoundToTheJob()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);

        var first = await ClaimAsync(job, webhookId: "msg_claim_1");
        Assert.Matches("^ak1_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$", first);
        Assert.Contains(job.ToString("N"), first, StringComparison.Ordinal);

        // The same message again (a duplicate), and the same run claiming in a new message: the same key.
        Assert.Equal(first, await ClaimAsync(job, webhookId: "msg_claim_1"));
        Assert.Equal(first, await ClaimAsync(job));

        // Another run is refused, and gets no key.
        var other = await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"999\"");
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.DoesNotContain("agent_key", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Steps are not claims: their answer carries no key.
        var step = await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\",\"workflow_run_id\":\"4711\"");
        Assert.Equal("{\"received\":true}", await step.Content.ReadAsStringAsync());

        // The key of another job of the same run id and agent differs: it is bound to its job.
        var second = await _runner.NewJobAsync();
        Assert.NotEqual(first[37..], (await ClaimAsync(second))[37..]);
    }

    [Fact]
    public async Task Report_WithTheClaimKey_IsAcceptedAndShownOnTheRunningJob()
    {
        var (job, agent, key) = await RunningJobAsync();
        Assert.Equal("unknown", (await HealthAsync(job)).GetProperty("state").GetString());

        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Ok));

        var health = await HealthAsync(job);
        Assert.Equal("healthy", health.GetProperty("state").GetString());
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), health.GetProperty("last_report_at").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal("71% free", health.GetProperty("checks").GetProperty("disk").GetProperty("message").GetString());

        // The agent route shows the same.
        var byAgent = await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative));
        Assert.Equal("healthy", (await Runner.ReadJsonAsync(byAgent)).GetProperty("health").GetProperty("state").GetString());

        // A running job is polled slowly for its health.
        var (response, _) = await _runner.GetJobAsync(job);
        Assert.Equal(TimeSpan.FromSeconds(StatusDocumentResultHealthPoll), response.Headers.RetryAfter?.Delta);
    }

    private const int StatusDocumentResultHealthPoll = Provisioner.Functions.Status.StatusDocumentResult.HealthPollSeconds;

    [Fact]
    public async Task Health_OnFakeTime_GoesUnknownHealthyDegradedUnreachableHealthy()
    {
        var (job, agent, key) = await RunningJobAsync();
        var sweeper = _runner.Services.GetRequiredService<AgentHealthSweeper>();
        async Task<string> StateAsync() => (await HealthAsync(job)).GetProperty("state").GetString()!;

        Assert.Equal("unknown", await StateAsync());
        Assert.Empty(await sweeper.SweepAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(30));
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Ok));
        Assert.Equal("healthy", await StateAsync());
        var change = Assert.Single(await sweeper.SweepAsync(CancellationToken.None));
        Assert.Equal((agent, job, HealthState.Unknown, HealthState.Healthy), (change.AgentId, change.JobId, change.From, change.To));

        _time.Advance(TimeSpan.FromSeconds(60));
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Degraded));
        Assert.Equal("degraded", await StateAsync());
        Assert.Equal("failed", (await HealthAsync(job)).GetProperty("checks").GetProperty("disk").GetProperty("status").GetString());
        change = Assert.Single(await sweeper.SweepAsync(CancellationToken.None));
        Assert.True(change.BecameUnhealthy);

        // Silent for just under the limit (5 minutes), then past it.
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal("degraded", await StateAsync());
        Assert.Empty(await sweeper.SweepAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("unreachable", await StateAsync());
        change = Assert.Single(await sweeper.SweepAsync(CancellationToken.None));
        Assert.Equal((HealthState.Degraded, HealthState.Unreachable), (change.From, change.To));
        Assert.Empty(await sweeper.SweepAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromMinutes(10));
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Ok));
        Assert.Equal("healthy", await StateAsync());
        change = Assert.Single(await sweeper.SweepAsync(CancellationToken.None));
        Assert.True(change.Recovered);
    }

    [Fact]
    public async Task Health_NoReportEverAfterRunning_BecomesUnreachable()
    {
        var (job, _, _) = await RunningJobAsync();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("unreachable", (await HealthAsync(job)).GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, (await HealthAsync(job)).GetProperty("last_report_at").ValueKind);
    }

    [Fact]
    public async Task Sweeper_ReadsOnlyTheIndexOfRunningAgents()
    {
        var sweeper = _runner.Services.GetRequiredService<AgentHealthSweeper>();
        var (indexed, indexedAgent, _) = await RunningJobAsync();
        var (dropped, droppedAgent, _) = await RunningJobAsync();

        // A running job whose index row is gone: the jobs table still says it runs, the sweeper cannot know.
        await _runner.Table("agenthealth").DeleteEntityAsync("agents", droppedAgent);

        // An index row whose job was never in the jobs table (its agent's row names it): only a sweeper reading the index sees it.
        var ghost = Runner.NewAgentId();
        var ghostJob = Guid.NewGuid();
        await _runner.Table("agents").AddEntityAsync(new TableEntity(ghost, "agent") { ["ActiveJobId"] = ghostJob, ["NewestJobId"] = ghostJob });
        await _runner.Table("agenthealth").AddEntityAsync(new TableEntity("agents", ghost)
        {
            ["JobId"] = ghostJob,
            ["RunningAt"] = _time.GetUtcNow(),
        });

        _time.Advance(TimeSpan.FromMinutes(6));
        var changes = await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal(new[] { ghost, indexedAgent }.Order(StringComparer.Ordinal), changes.Select(c => c.AgentId).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(changes, c => c.AgentId == droppedAgent || c.JobId == dropped);
        Assert.All(changes, c => Assert.Equal(HealthState.Unreachable, c.To));
        Assert.Contains(changes, c => c.JobId == indexed);
    }

    [Fact]
    public async Task Sweeper_JobSupersededByANewerJob_LeavesTheIndexWithoutAnEvent()
    {
        var sweeper = _runner.Services.GetRequiredService<AgentHealthSweeper>();
        var (_, agent, key) = await RunningJobAsync();
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Ok));
        Assert.Single(await sweeper.SweepAsync(CancellationToken.None));

        // A newer job of the agent: the old server's reports are refused from now on, and its silence is no alarm.
        await _runner.NewJobAsync(agent);
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Empty(await sweeper.SweepAsync(CancellationToken.None));
        Assert.Equal(0, await HealthRowsAsync(agent));
        Assert.False((await _runner.Table("agenthealth").GetEntityIfExistsAsync<TableEntity>("agents", agent)).HasValue);
    }

    [Fact]
    public async Task Report_ForgedWrongOrRevokedKey_IsRefusedWith401AndChangesNothing()
    {
        var (job, agent, key) = await RunningJobAsync();
        var (_, otherAgent, otherKey) = await RunningJobAsync();

        var forgedMac = key[..37] + new string('A', 43);
        var flipped = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        var wrongCase = key.ToUpperInvariant();
        foreach (var (candidate, scheme) in new (string?, string)[]
        {
            (null, "Bearer"), ("", "Bearer"), ("not-a-key", "Bearer"), (forgedMac, "Bearer"), (flipped, "Bearer"), (wrongCase, "Bearer"),
            (otherKey, "Bearer"), (key, "Basic"),
        })
        {
            var response = await ReportAsync(agent, candidate, Ok, scheme);
            await AssertStatusAsync(HttpStatusCode.Unauthorized, response);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // A key is this agent's only: the other agent's key does not work on this route, nor this key on the other's.
        await AssertStatusAsync(HttpStatusCode.Unauthorized, await ReportAsync(otherAgent, key, Ok));
        Assert.Equal(0, await HealthRowsAsync(agent));
        Assert.Equal("unknown", (await HealthAsync(job)).GetProperty("state").GetString());

        // A newer job of the agent revokes the older job's key, even before the new run claims.
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Ok));
        var newer = await _runner.NewJobAsync(agent);
        _time.Advance(TimeSpan.FromSeconds(60));
        await AssertStatusAsync(HttpStatusCode.Unauthorized, await ReportAsync(agent, key, Ok));
        var newerKey = await ClaimAsync(newer, "5000");
        await AssertStatusAsync(HttpStatusCode.Unauthorized, await ReportAsync(agent, key, Ok));
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, newerKey, Ok));
    }

    [Fact]
    public async Task Report_MoreOftenThanEveryTenSeconds_Is429WithRetryAfter()
    {
        var (_, agent, key) = await RunningJobAsync();
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Ok));

        _time.Advance(TimeSpan.FromSeconds(4));
        var tooSoon = await ReportAsync(agent, key, Degraded);
        await AssertStatusAsync(HttpStatusCode.TooManyRequests, tooSoon);
        Assert.Equal(TimeSpan.FromSeconds(6), tooSoon.Headers.RetryAfter?.Delta);

        _time.Advance(TimeSpan.FromSeconds(6));
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Degraded));
    }

    [Fact]
    public async Task Report_Over16KiB_Is413()
    {
        var (job, agent, key) = await RunningJobAsync();
        var padded = "{\"status\":\"ok\",\"checks\":{\"service\":{\"status\":\"ok\",\"message\":\"" + new string('x', 16 * 1024) + "\"}}}";
        await AssertStatusAsync(HttpStatusCode.RequestEntityTooLarge, await ReportAsync(agent, key, padded));
        Assert.Equal("unknown", (await HealthAsync(job)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Report_MalformedBodies_Are400AndChangeNothing()
    {
        var (job, agent, key) = await RunningJobAsync();
        string[] bodies =
        [
            "", "not json", "[]", "{\"status\":\"ok\"", "{}",
            "{\"status\":\"fine\",\"checks\":{}}",
            "{\"status\":\"ok\"}",
            "{\"status\":\"ok\",\"checks\":[]}",
            "{\"status\":\"ok\",\"checks\":{},\"extra\":1}",
            "{\"status\":\"ok\",\"checks\":{\"disk\":\"ok\"}}",
            "{\"status\":\"ok\",\"checks\":{\"disk\":{\"status\":\"broken\"}}}",
            "{\"status\":\"ok\",\"checks\":{\"disk\":{\"status\":\"ok\",\"detail\":\"x\"}}}",
            "{\"status\":\"ok\",\"checks\":{\"Disk Space\":{\"status\":\"ok\"}}}",
            "{\"status\":\"ok\",\"checks\":{\"disk\":{\"status\":\"ok\",\"message\":42}}}",
            "{\"status\":\"ok\",\"checks\":{\"disk\":{\"status\":\"ok\",\"message\":\"" + new string('m', 501) + "\"}}}",
            "{\"status\":\"ok\",\"checks\":{},\"version\":7}",
            "{\"status\":\"ok\",\"status\":\"degraded\",\"checks\":{}}",
        ];

        foreach (var body in bodies)
        {
            var response = await ReportAsync(agent, key, body);
            await AssertStatusAsync(HttpStatusCode.BadRequest, response);
            var problem = await Runner.ReadJsonAsync(response);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), body);
        }

        Assert.Equal(0, await HealthRowsAsync(agent));
        Assert.Equal("unknown", (await HealthAsync(job)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Report_NeverChangesTheJobsProvisioningState()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var key = await ClaimAsync(job);
        var before = await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job");
        var document = (await _runner.GetJobAsync(job)).Body.GetRawText();

        // The agent's timer can start before the success callback: its report is kept, the job stays provisioning.
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Degraded));
        var (_, after) = await _runner.GetJobAsync(job);
        Assert.Equal(document, after.GetRawText());
        Assert.Equal("provisioning", after.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("health").ValueKind);
        Assert.Equal(before.Value.ETag, (await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job")).Value.ETag);

        // Once running, the early report counts, and still nothing of the job moves.
        await RunningAsync(job);
        var running = await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job");
        Assert.Equal("degraded", (await HealthAsync(job)).GetProperty("state").GetString());
        _time.Advance(TimeSpan.FromSeconds(60));
        await AssertStatusAsync(HttpStatusCode.NoContent, await ReportAsync(agent, key, Ok));
        Assert.Equal(running.Value.ETag, (await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job")).Value.ETag);
        Assert.Equal("running", (await _runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task WithoutAgentKeySecret_ClaimsCarryNoKeyAndReportsAreRefused()
    {
        await using var runner = await Runner.StartAsync(_azurite, new Dictionary<string, string?> { ["AGENT_KEY_SECRET"] = "" }, _time);
        var agent = Runner.NewAgentId();
        var job = await runner.NewJobAsync(agent);
        var claim = await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"1\"}}", at: _time.GetUtcNow());
        Assert.Equal("{\"received\":true}", await claim.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{agent}/health") { Content = new StringContent(Ok, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ak1_" + job.ToString("N") + "_" + new string('A', 43));
        var response = await runner.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("AGENT_KEY_SECRET", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
