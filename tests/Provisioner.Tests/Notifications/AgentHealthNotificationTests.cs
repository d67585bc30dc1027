using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Notifications;

/// <summary>
/// The agent health sweeper's state changes go out as signed <c>agent.unhealthy</c> and
/// <c>agent.recovered</c> events carrying the job's document with its health; each episode once.
/// Own Azurite and fake time; the test hands queued messages to the delivery handler itself.
/// </summary>
public sealed class AgentHealthNotificationTests : IAsyncLifetime
{
    private const string Ok = """{"status":"ok","checks":{"disk":{"status":"ok"}}}""";
    private const string Degraded = """{"status":"degraded","checks":{"disk":{"status":"failed","message":"3% free on /"}}}""";
    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _secret = WebhookReceiver.NewSecret();
    private WebhookReceiver _receiver = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
        _runner = await Runner.StartAsync(_azurite, NotifyTesting.Settings(_receiver, _secret, deliver: false), time: _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _receiver.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private StorageClients Storage => _runner.Services.GetRequiredService<StorageClients>();

    private async Task DeliverVisibleAsync()
    {
        while ((await Storage.NotifyQueue.ReceiveMessagesAsync(16)).Value is { Length: > 0 } messages)
        {
            foreach (var message in messages)
            {
                await _runner.Services.GetRequiredService<NotificationDelivery>().HandleAsync(message.Body.ToString(), CancellationToken.None);
                await Storage.NotifyQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }

    private async Task ReportAsync(string agent, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{agent}/health") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await _runner.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private List<WebhookReceiver.Delivery> Received(string type) => _receiver.Received.Where(d => d.Type == type).ToList();

    [Fact]
    public async Task HealthChanges_AreSentAsSignedAgentEvents_EachEpisodeOnce()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var claim = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"4711\"}}", null, _time.GetUtcNow());
        var key = (await Runner.ReadJsonAsync(claim)).GetProperty("agent_key").GetString()!;
        await NotifyTesting.RunningAsync(_runner, job, _time.GetUtcNow());
        var sweeper = _runner.Services.GetRequiredService<AgentHealthSweeper>();

        _time.Advance(TimeSpan.FromSeconds(30));
        await ReportAsync(agent, key, Ok);
        await sweeper.SweepAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        await ReportAsync(agent, key, Degraded);
        await sweeper.SweepAsync(CancellationToken.None);
        await sweeper.SweepAsync(CancellationToken.None);
        await DeliverVisibleAsync();

        var unhealthy = Assert.Single(Received(EventTypes.AgentUnhealthy));
        Assert.True(WebhookReceiver.SignatureIsValid(_secret, unhealthy.Id, unhealthy.Timestamp, unhealthy.Signature, unhealthy.Body));
        Assert.Equal(job, unhealthy.JobId);
        var health = unhealthy.Json.GetProperty("data").GetProperty("health");
        Assert.Equal("degraded", health.GetProperty("state").GetString());
        Assert.Equal("3% free on /", health.GetProperty("checks").GetProperty("disk").GetProperty("message").GetString());
        Assert.Empty(Received(EventTypes.AgentRecovered));

        _time.Advance(TimeSpan.FromSeconds(30));
        await ReportAsync(agent, key, Ok);
        await sweeper.SweepAsync(CancellationToken.None);
        await DeliverVisibleAsync();
        var recovered = Assert.Single(Received(EventTypes.AgentRecovered));
        Assert.Equal("healthy", recovered.Json.GetProperty("data").GetProperty("health").GetProperty("state").GetString());

        // A second episode is a new event; silence past the limit counts as unhealthy too.
        _time.Advance(TimeSpan.FromMinutes(6));
        await sweeper.SweepAsync(CancellationToken.None);
        await DeliverVisibleAsync();
        var episodes = Received(EventTypes.AgentUnhealthy);
        Assert.Equal(2, episodes.Count);
        Assert.NotEqual(episodes[0].Id, episodes[1].Id);
        Assert.Equal("unreachable", episodes[1].Json.GetProperty("data").GetProperty("health").GetProperty("state").GetString());
    }
}
