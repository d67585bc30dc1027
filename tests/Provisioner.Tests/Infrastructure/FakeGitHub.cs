using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// A stand-in for the GitHub REST API, served over real HTTP on loopback: it records every
/// request and answers from a script, then from <see cref="Route"/> when set, then with the
/// default answer. An answer with an <c>ETag</c> header is a <c>304</c> (counted in
/// <see cref="NotModifiedServed"/>) when the request's <c>If-None-Match</c> names that ETag.
/// </summary>
public sealed class FakeGitHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Answer> _script = new();

    private FakeGitHub(WebApplication app) => _app = app;

    public sealed record Answer(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null);

    public sealed record Request(string Method, string Path, string? Authorization, string Body, string Query = "", string? IfNoneMatch = null);

    /// <summary>Answers what the script does not (null: the default answer).</summary>
    public Func<Request, Answer?>? Route { get; set; }

    /// <summary>How many conditional requests were answered <c>304 Not Modified</c>.</summary>
    public int NotModifiedServed => _notModified;

    private int _notModified;

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>The answer once the script is used up.</summary>
    public Answer Default { get; set; } = new(204);

    public Uri BaseUrl => new(_app.Urls.Single() + "/");

    public static async Task<FakeGitHub> StartAsync()
    {
        // No config reload: a file watcher per fake would spend the user's inotify instances (128), shared by every test host.
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]);
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
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        var request = new Request(context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.Authorization.ToString(), body, context.Request.QueryString.Value ?? "", ifNoneMatch.Length == 0 ? null : ifNoneMatch);
        Requests.Enqueue(request);
        var answer = _script.TryDequeue(out var scripted) ? scripted : Route?.Invoke(request) ?? Default;
        if (answer.Headers is { } etagged && etagged.TryGetValue("ETag", out var etag) && etag == request.IfNoneMatch)
        {
            Interlocked.Increment(ref _notModified);
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            context.Response.Headers.ETag = etag;
            return;
        }

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
