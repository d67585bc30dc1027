using System.Collections.Concurrent;
using System.Text;

namespace Provisioner.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP receiver (Kestrel on 127.0.0.1) taking <c>POST /v1/traces</c> and
/// <c>/v1/metrics</c> as protobuf. Spans are read by a minimal protobuf reader written from the
/// OTLP schema (ExportTraceServiceRequest → ResourceSpans(2: scope_spans) → ScopeSpans(2: spans)
/// → Span(1: trace_id, 2: span_id, 4: parent_span_id, 5: name)), so the test does not depend on
/// the exporter's own types.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ConcurrentQueue<byte[]> _metrics = new();
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, int port)
    {
        _app = app;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    public string Endpoint { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public IReadOnlyList<Span> Spans => _spans.ToList();

    public IReadOnlyList<byte[]> MetricBatches => _metrics.ToList();

    /// <param name="Attributes">The span's string attributes (Span field 9: KeyValue(1: key, 2: AnyValue(1: string_value))).</param>
    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = LoopbackPorts.Free();
        // No configuration file watching: file watchers (inotify instances) are a scarce per-user resource when suites run side by side.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, port);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            receiver.Requests.Enqueue(request.ContentType ?? "");
            foreach (var span in ReadSpans(await ReadAsync(request)))
            {
                receiver._spans.Enqueue(span);
            }

            return Results.Ok();
        });
        app.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            receiver._metrics.Enqueue(await ReadAsync(request));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        Assert.Equal("application/x-protobuf", request.ContentType);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public static IEnumerable<Span> ReadSpans(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    yield return new Span(
                        Convert.ToHexStringLower(Fields(span, 1).FirstOrDefault() ?? []),
                        Convert.ToHexStringLower(Fields(span, 2).FirstOrDefault() ?? []),
                        Convert.ToHexStringLower(Fields(span, 4).FirstOrDefault() ?? []),
                        Encoding.UTF8.GetString(Fields(span, 5).FirstOrDefault() ?? []),
                        Fields(span, 9)
                            .Select(kv => (Key: Fields(kv, 1).FirstOrDefault(), Value: Fields(kv, 2).FirstOrDefault() is { } any ? Fields(any, 1).FirstOrDefault() : null))
                            .Where(kv => kv.Key is not null && kv.Value is not null)
                            .ToDictionary(kv => Encoding.UTF8.GetString(kv.Key!), kv => Encoding.UTF8.GetString(kv.Value!)));
                }
            }
        }
    }

    /// <summary>The length-delimited fields numbered <paramref name="number"/> of one message; other fields skipped by wire type.</summary>
    private static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var at = 0;
        while (at < message.Length)
        {
            var tag = Varint(message, ref at);
            var wireType = (int)(tag & 7);
            var field = (int)(tag >> 3);
            switch (wireType)
            {
                case 0:
                    Varint(message, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (field == number)
                    {
                        found.Add(message[at..(at + length)]);
                    }

                    at += length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wireType} at {at}");
            }
        }

        return found;
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
