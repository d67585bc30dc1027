using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Tests.Cli;

/// <summary>
/// A small server over real loopback HTTP that plays the job event stream of the API contract
/// (GET /api/jobs/{job_id}/events, text/event-stream) from a script: each connection takes the
/// next entry of <see cref="Connections"/>. It records what the tool sent (Last-Event-ID,
/// Authorization, PATCH bodies) and serves GET /api/jobs/{job_id} with <see cref="Current"/>.
/// </summary>
internal sealed class FakeEventServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeEventServer(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.Single());

    /// <summary>One script per stream connection, in order; past the end, 404.</summary>
    public ConcurrentQueue<Func<HttpResponse, Task>> Connections { get; } = new();

    public ConcurrentQueue<string?> LastEventIds { get; } = new();

    public ConcurrentQueue<string?> Authorizations { get; } = new();

    public ConcurrentQueue<string> Patches { get; } = new();

    public ConcurrentQueue<string> Creates { get; } = new();

    public int Polls => _polls;

    private int _polls;

    /// <summary>What GET /api/jobs/{job_id} answers.</summary>
    public JsonObject? Current { get; set; }

    public static async Task<FakeEventServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeEventServer(app);
        app.MapGet("/api/jobs/{job}/events", async (HttpContext context) =>
        {
            server.LastEventIds.Enqueue(context.Request.Headers["Last-Event-ID"].FirstOrDefault());
            server.Authorizations.Enqueue(context.Request.Headers.Authorization.FirstOrDefault());
            if (!server.Connections.TryDequeue(out var script))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await script(context.Response);
        });
        app.MapGet("/api/jobs/{job}", async (HttpContext context) =>
        {
            Interlocked.Increment(ref server._polls);
            server.Authorizations.Enqueue(context.Request.Headers.Authorization.FirstOrDefault());
            if (server.Current is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(server.Current.ToJsonString());
        });
        app.MapPost("/api/jobs", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            server.Creates.Enqueue(await reader.ReadToEndAsync());
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync((server.Current ?? Document("queued", "active")).ToJsonString());
        });
        app.MapMethods("/api/agents/{agent}/server", ["PATCH"], async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            server.Patches.Enqueue($"{context.Request.ContentType} {context.Request.Path} {await reader.ReadToEndAsync()}");
            server.Authorizations.Enqueue(context.Request.Headers.Authorization.FirstOrDefault());
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync((server.Current ?? Document("running")).ToJsonString());
        });
        await app.StartAsync();
        return server;
    }

    /// <summary>A stream that sends <paramref name="events"/> (id, document), a keep-alive comment first, then closes.</summary>
    public static Func<HttpResponse, Task> Stream(params (int Id, JsonObject Document)[] events) => async response =>
    {
        response.ContentType = "text/event-stream";
        await response.WriteAsync(": keep-alive\n\n");
        await response.Body.FlushAsync();
        foreach (var (id, document) in events)
        {
            await response.WriteAsync($"id: {id}\nevent: status\ndata: {document.ToJsonString()}\n\n");
            await response.Body.FlushAsync();
        }
    };

    /// <summary>A status document as the API sends it, in the status <paramref name="status"/> with <paramref name="states"/> for its five steps.</summary>
    public static JsonObject Document(string status, params string[] states)
    {
        string[] ids = ["queued", "creating", "installing", "configuring", "running"];
        string[] labels = ["Queued", "Creating Server", "Installing Dependencies", "Configuring Agent", "Running"];
        var steps = new JsonArray();
        for (var i = 0; i < ids.Length; i++)
        {
            var state = i < states.Length ? states[i] : status == "running" ? "completed" : "pending";
            steps.Add(new JsonObject
            {
                ["id"] = ids[i],
                ["label"] = labels[i],
                ["state"] = state,
                ["started_at"] = state == "pending" ? null : "2026-12-07T10:00:00Z",
                ["completed_at"] = state == "completed" ? "2026-12-07T10:00:30Z" : null,
            });
        }

        return new JsonObject
        {
            ["job_id"] = JobId,
            ["agent_id"] = "demo-1",
            ["region"] = "eu-central",
            ["kind"] = "provision",
            ["status"] = status,
            ["steps"] = steps,
            ["error"] = status == "failed" ? new JsonObject { ["message"] = "apt failed", ["failed_step"] = "install" } : null,
        };
    }

    public const string JobId = "6b1f2d3e-0000-4000-8000-000000000026";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
