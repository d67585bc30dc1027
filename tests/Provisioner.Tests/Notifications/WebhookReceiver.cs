using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Provisioner.Tests.Notifications;

/// <summary>
/// A notification receiver served over real HTTP (Kestrel on 127.0.0.1). It keeps every request
/// and answers what <see cref="Answer"/> says; it verifies signatures with the Standard Webhooks
/// algorithm written out here from the specification, not with the app's signer.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<Delivery> _received = new();
    private WebApplication? _app;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/provisioner";

    /// <summary>The answer to the next request: status and an optional <c>Retry-After</c> value.</summary>
    public Func<Delivery, (int Status, string? RetryAfter)> Answer { get; set; } = _ => (200, null);

    public IReadOnlyList<Delivery> Received => _received.ToList();

    public sealed record Delivery(string? Id, string? Timestamp, string? Signature, string? ContentType, byte[] Body, DateTimeOffset ArrivedAt)
    {
        /// <summary>The request's <c>traceparent</c> header(s), joined.</summary>
        public string? Traceparent { get; init; }

        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

        public string Type => Json.GetProperty("type").GetString()!;

        public Guid JobId => Json.GetProperty("data").GetProperty("job_id").GetGuid();
    }

    /// <summary>A receiver listening now on a free port.</summary>
    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver(LoopbackPorts.Free());
        await receiver.ListenAsync();
        return receiver;
    }

    /// <summary>A receiver with an address, not listening yet: a receiver that is down.</summary>
    public static WebhookReceiver Down() => new(LoopbackPorts.Free());

    public async Task ListenAsync()
    {
        // No configuration file watching: file watchers (inotify instances) are a scarce per-user resource when suites run side by side.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hooks/provisioner", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var delivery = new Delivery(
                request.Headers["webhook-id"].SingleOrDefault(),
                request.Headers["webhook-timestamp"].SingleOrDefault(),
                request.Headers["webhook-signature"].SingleOrDefault(),
                request.ContentType,
                buffer.ToArray(),
                DateTimeOffset.UtcNow)
            {
                Traceparent = request.Headers["traceparent"] is { Count: > 0 } traceparent ? traceparent.ToString() : null,
            };
            _received.Enqueue(delivery);
            var (status, retryAfter) = Answer(delivery);
            if (retryAfter is not null)
            {
                request.HttpContext.Response.Headers.RetryAfter = retryAfter;
            }

            return Results.StatusCode(status);
        });
        await _app.StartAsync();
    }

    /// <summary>
    /// Standard Webhooks v1, as the specification states it: HMAC-SHA256 keyed with the base64
    /// part of the <c>whsec_</c> secret, over <c>{id}.{timestamp}.{body}</c>, base64, sent as
    /// <c>v1,{signature}</c> among space-separated signatures.
    /// </summary>
    public static bool SignatureIsValid(string secret, string? id, string? timestamp, string? signatureHeader, byte[] body)
    {
        if (id is null || timestamp is null || signatureHeader is null || !secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            return false;
        }

        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes(id + "." + timestamp + ".").Concat(body).ToArray();
        var expected = Encoding.ASCII.GetBytes("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
        return signatureHeader.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
