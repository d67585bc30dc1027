using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>
/// A create whose job cannot be put on the dispatch queue: tables work (Azurite), the queue
/// service answers 503 (a fake queue endpoint over HTTP that accepts the start-up's queue
/// creation and refuses every message). The job must not stay queued holding its agent.
/// </summary>
public sealed class CreateJobEnqueueFailureTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private WebApplication _queues = null!;
    private int _refused;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        // No config reload: a file watcher per fake would spend the user's inotify instances (128), shared by every test host.
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _queues = builder.Build();
        _queues.Run(context =>
        {
            if (HttpMethods.IsPut(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status201Created; // Create Queue at start-up
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref _refused);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable; // Put Message: the queue service is down
            return Task.CompletedTask;
        });
        await _queues.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _queues.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task Create_WhenTheJobCannotBeEnqueued_Answers503AndFailsTheJobAsDispatchFailed()
    {
        var queuePort = new Uri(_queues.Urls.Single()).Port;
        var storage = _azurite.ConnectionString.Replace($"127.0.0.1:{_azurite.QueuePort}/", $"127.0.0.1:{queuePort}/", StringComparison.Ordinal);
        await using var runner = await Runner.StartAsync(_azurite, new Dictionary<string, string?> { ["AzureWebJobsStorage"] = storage });
        var agent = Runner.NewAgentId();

        var (response, _) = await runner.CreateJobAsync(agent);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(_refused > 0, "the enqueue reached the queue service");

        // The job exists, failed with the reason a program can act on, on Queued; the agent is not held.
        var (status, document) = await Eventually.WaitAsync(
            async () =>
            {
                var answer = await runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative));
                return (answer.StatusCode, await Runner.ReadJsonAsync(answer));
            },
            r => r.StatusCode == HttpStatusCode.OK,
            what: "the agent's job");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("failed", document.GetProperty("status").GetString());
        var error = document.GetProperty("error");
        Assert.Equal("dispatch_failed", error.GetProperty("reason").GetString());
        Assert.Contains("could not be queued", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("queued", error.GetProperty("step_id").GetString());

        // Not 409: the failed job released the agent (the queue is still down, so 503 again).
        var (again, _) = await runner.CreateJobAsync(agent);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
    }
}
