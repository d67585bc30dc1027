using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;
using Provisioner.Tests.Notifications;

namespace Provisioner.Tests.Lifetime;

/// <summary>
/// Server lifetimes against Azurite on fake time (docs/lifetime.md): ttl_minutes on create and its
/// default, expires_at from Running, PATCH to extend, shorten or clear, one agent.expiring before the
/// end, and at the end one deprovision job (reason expired) found through the in-flight index.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class LifetimeTests(Azurite azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private WebhookReceiver _receiver = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        var settings = NotifyTesting.Settings(_receiver, WebhookReceiver.NewSecret(), deliver: false);
        settings["DEFAULT_TTL_MINUTES"] = "120";
        settings["EXPIRY_WARNING_MINUTES"] = "10";
        _runner = await Runner.StartAsync(azurite, settings, _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private Task<SweepResult> SweepAsync() => _runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);

    private async Task<Guid?> TearDownOfAsync(string agent) =>
        (await _runner.Services.GetRequiredService<AgentStore>().FindAsync(agent, CancellationToken.None))?.TearDownJobId;

    private async Task<HttpResponseMessage> CreateAsync(string agent, object? ttl)
    {
        var body = ttl is null ? $"{{\"agent_id\":\"{agent}\",\"region\":\"eu-central\"}}" : $"{{\"agent_id\":\"{agent}\",\"region\":\"eu-central\",\"ttl_minutes\":{ttl}}}";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await _runner.Client.PostAsync(new Uri("/api/jobs", UriKind.Relative), content);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PatchAsync(string agent, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/agents/{agent}/server") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await _runner.Client.SendAsync(request);
        return (response.StatusCode, await Runner.ReadJsonAsync(response));
    }

    /// <summary>A job created with <paramref name="ttl"/> (null: none in the request) that reached running on server 4711 now.</summary>
    private async Task<Guid> RunningJobAsync(string agent, int? ttl)
    {
        using var created = await CreateAsync(agent, ttl);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"777\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"4711\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"}}")).StatusCode);
        return job;
    }

    private async Task<DateTimeOffset?> ExpiresAtAsync(Guid job)
    {
        var value = (await _runner.GetJobAsync(job)).Body.GetProperty("expires_at");
        return value.ValueKind == JsonValueKind.Null ? null : value.GetDateTimeOffset();
    }

    private async Task<int> ExpiringEventsAsync(Guid job) =>
        (await NotifyTesting.OutboxAsync(_runner, job)).Count(r => r.Type == EventTypes.AgentExpiring);

    [Fact]
    public async Task Ttl_CountsFromRunning_WarnedOnce_ThenOneDeprovisionJobWithReasonExpired()
    {
        var agent = Runner.NewAgentId();
        var job = await RunningJobAsync(agent, 30);
        var end = Start.AddMinutes(30);
        Assert.Equal(end, await ExpiresAtAsync(job));

        _time.Advance(TimeSpan.FromMinutes(19));
        await SweepAsync();
        Assert.Equal(0, await ExpiringEventsAsync(job));
        Assert.True(await NotifyTesting.WatchedAsync(_runner, job)); // a running job with an end stays in the index

        _time.Advance(TimeSpan.FromMinutes(2)); // 9 minutes before the end: inside EXPIRY_WARNING_MINUTES=10
        await SweepAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();
        Assert.Equal(1, await ExpiringEventsAsync(job));
        Assert.Null(await TearDownOfAsync(agent));

        _time.Advance(TimeSpan.FromMinutes(8)); // the end
        await SweepAsync();
        var tearDown = Assert.IsType<Guid>(await TearDownOfAsync(agent));
        var document = (await _runner.GetJobAsync(tearDown)).Body;
        Assert.Equal("deprovision", document.GetProperty("kind").GetString());
        Assert.Equal("expired", document.GetProperty("reason").GetString());
        Assert.Equal("4711", document.GetProperty("server").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("expires_at").ValueKind);

        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();
        Assert.Equal(tearDown, await TearDownOfAsync(agent)); // never a second one
        Assert.Equal(1, await ExpiringEventsAsync(job));
    }

    [Fact]
    public async Task NoTtlInTheRequest_TakesTheDefault()
    {
        var job = await RunningJobAsync(Runner.NewAgentId(), null);
        Assert.Equal(Start.AddMinutes(120), await ExpiresAtAsync(job));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("43201")]
    [InlineData("1.5")]
    [InlineData("\"30\"")]
    public async Task BadTtl_400NamingTheField_AndNothingStored(string ttl)
    {
        var agent = Runner.NewAgentId();
        using var response = await CreateAsync(agent, ttl);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ttl_minutes", (await Runner.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(await _runner.Services.GetRequiredService<AgentStore>().FindAsync(agent, CancellationToken.None));
    }

    [Fact]
    public async Task Patch_ExtendsShortensAndClears_TheSweepFollowsTheNewEnd()
    {
        var agent = Runner.NewAgentId();
        var job = await RunningJobAsync(agent, 30);

        var (status, body) = await PatchAsync(agent, "{\"ttl_minutes\": 600}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(job, body.GetProperty("job_id").GetGuid());
        Assert.Equal(Start.AddMinutes(600), body.GetProperty("expires_at").GetDateTimeOffset());

        _time.Advance(TimeSpan.FromMinutes(31)); // past the first end: extended, so kept
        await SweepAsync();
        Assert.Null(await TearDownOfAsync(agent));

        (status, body) = await PatchAsync(agent, "{\"expires_at\": null}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("expires_at").ValueKind);
        _time.Advance(TimeSpan.FromMinutes(600));
        await SweepAsync();
        Assert.Null(await TearDownOfAsync(agent));
        Assert.False(await NotifyTesting.WatchedAsync(_runner, job)); // no end: let go from the index

        // An end set on a job the sweep let go puts it back in the index: it is found and removed.
        var end = _time.GetUtcNow().AddMinutes(5);
        (status, body) = await PatchAsync(agent, $"{{\"expires_at\": \"{Iso(end)}\"}}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(end, body.GetProperty("expires_at").GetDateTimeOffset());
        Assert.True(await NotifyTesting.WatchedAsync(_runner, job));
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync();
        var tearDown = Assert.IsType<Guid>(await TearDownOfAsync(agent));
        Assert.Equal("expired", (await _runner.GetJobAsync(tearDown)).Body.GetProperty("reason").GetString());

        // While that tear down runs: 409 naming it, and nothing changes.
        (status, body) = await PatchAsync(agent, "{\"ttl_minutes\": 60}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(tearDown, body.GetProperty("job_id").GetGuid());
        Assert.Equal(end, await ExpiresAtAsync(job));
    }

    [Fact]
    public async Task Patch_Refusals_ChangeNothing()
    {
        var agent = Runner.NewAgentId();
        var job = await RunningJobAsync(agent, 30);
        var before = (await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job")).Value.ETag;

        foreach (var (bad, field) in new[]
        {
            ($"{{\"expires_at\": \"{Iso(Start.AddMinutes(-1))}\"}}", "expires_at"),
            ("{\"expires_at\": \"2026-03-04T12:00:00\"}", "expires_at"),
            ("{\"ttl_minutes\": 0}", "ttl_minutes"),
            ("{\"ttl_minutes\": 5, \"expires_at\": null}", "exactly one"),
            ("{}", "exactly one"),
            ("[1]", "JSON object"),
        })
        {
            var (status, body) = await PatchAsync(agent, bad);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(field, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync(Runner.NewAgentId(), "{\"ttl_minutes\": 60}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PatchAsync("bad.agent", "{\"ttl_minutes\": 60}")).Status);
        Assert.Equal(before, (await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job")).Value.ETag);
        Assert.Equal(Start.AddMinutes(30), await ExpiresAtAsync(job));

        // An agent whose newest job is still provisioning: 409 naming it.
        var busyAgent = Runner.NewAgentId();
        var inFlight = await _runner.NewJobAsync(busyAgent);
        var (busy, problem) = await PatchAsync(busyAgent, "{\"ttl_minutes\": 60}");
        Assert.Equal(HttpStatusCode.Conflict, busy);
        Assert.Equal(inFlight, problem.GetProperty("job_id").GetGuid());
    }
}
