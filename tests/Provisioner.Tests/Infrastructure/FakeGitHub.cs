using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// A stand-in for the GitHub REST API, served over real HTTP on loopback: it records every
/// request and answers from a script (then with the default answer).
/// </summary>
public sealed class FakeGitHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Answer> _script = new();

    private FakeGitHub(WebApplication app) => _app = app;

    public sealed record Answer(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null);

    public sealed record Request(string Method, string Path, string? Authorization, string Body);

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>The answer once the script is used up.</summary>
    public Answer Default { get; set; } = new(204);

    public Uri BaseUrl => new(_app.Urls.Single() + "/");

    public static async Task<FakeGitHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeGitHub(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    public FakeGitHub Then(int status, string? body = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        _script.Enqueue(new Answer(status, body, headers));
        return this;
    }

    /// <summary>Waits (real time) until at least <paramref name="count"/> requests arrived.</summary>
    public async Task WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Requests.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"expected {count} requests to the fake GitHub, got {Requests.Count}");
            }

            await Task.Delay(10);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        Requests.Enqueue(new Request(context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.Authorization.ToString(), body));
        var answer = _script.TryDequeue(out var scripted) ? scripted : Default;
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        if (answer.Body is not null)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(answer.Body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
