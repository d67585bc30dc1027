using System.Text;
using System.Text.Json;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// Reads a <c>text/event-stream</c> answer line by line, as a client would: events (<c>id</c>,
/// <c>event</c>, <c>data</c>) and comment lines, each within a time limit.
/// </summary>
public sealed class EventStreamReader(HttpResponseMessage response, Stream body) : IAsyncDisposable
{
    private readonly StreamReader _reader = new(body, Encoding.UTF8);

    public HttpResponseMessage Response { get; } = response;

    public sealed record StreamEvent(string? Id, string? Name, string Data, IReadOnlyList<string> CommentsBefore)
    {
        public JsonElement Document => JsonDocument.Parse(Data).RootElement.Clone();

        public long IdValue => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<EventStreamReader> OpenAsync(HttpClient client, Guid jobId, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{jobId}/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new EventStreamReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The comment lines read so far (without the leading colon).</summary>
    public List<string> Comments { get; } = [];

    /// <summary>The next event; null when the server ended the stream first. Throws when none comes within <paramref name="within"/>.</summary>
    public async Task<StreamEvent?> NextAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        string? id = null, name = null;
        var data = new List<string>();
        var comments = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new StreamEvent(id, name, string.Join('\n', data), comments);
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                comments.Add(line[1..].Trim());
                Comments.Add(line[1..].Trim());
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }
    }

    /// <summary>True when the server ends the stream within <paramref name="within"/> without another event.</summary>
    public async Task<bool> EndsAsync(TimeSpan within) => await NextAsync(within) is null;

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        Response.Dispose();
        await Task.CompletedTask;
    }
}
