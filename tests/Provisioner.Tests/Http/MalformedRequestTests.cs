using System.Net;
using System.Net.Sockets;
using System.Text;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>
/// Requests whose framing is broken, sent over a raw socket (HttpClient cannot send them): the
/// caller's fault, answered 400, never taken for a storage outage (503), and nothing is written.
/// </summary>
[Collection(SharedAzurite.Name)]
[Trait("Category", Runner.HostHttpCategory)]
public sealed class MalformedRequestTests(Azurite azurite) : IAsyncLifetime
{
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    public static TheoryData<string> Routes => new() { "/api/webhooks/github", "/api/jobs" };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Post_BadChunkSize_Is400NotAnOutage(string route)
    {
        var (status, contentType) = await SendRawAsync(route, "Transfer-Encoding: chunked\r\n", "zz\r\nabc\r\n0\r\n\r\n", closeAfterSending: false);
        AssertRefusedAsTheCallersFault(status, contentType);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Post_ChunkedBodyCutShort_IsNotAnOutage(string route)
    {
        var (status, _) = await SendRawAsync(route, "Transfer-Encoding: chunked\r\n", "40\r\n{\"agent_id\":", closeAfterSending: true);
        await AssertCutShortAsync(status);
    }

    [Fact]
    public async Task CreateJob_BodyShorterThanItsContentLength_Is400AndCreatesNothing()
    {
        var agent = Runner.NewAgentId();
        var body = $"{{\"agent_id\":\"{agent}\",\"region\":\"eu-central\"}}";
        var (status, _) = await SendRawAsync("/api/jobs", $"Content-Length: {body.Length + 20}\r\n", body, closeAfterSending: true);
        await AssertCutShortAsync(status);

        var (response, _) = await _runner.CreateJobAsync(agent);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode); // no job of that agent was left in flight
    }

    [Fact]
    public async Task Webhook_BodyShorterThanItsContentLength_Is400AndAppliesNothing()
    {
        var job = await _runner.NewJobAsync();
        var body = $"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"77\"}}";
        var signature = Signing.Legacy(Runner.Secret, Encoding.UTF8.GetBytes(body));
        var (status, _) = await SendRawAsync("/api/webhooks/github", $"Content-Length: {body.Length + 20}\r\nX-Signature: {signature}\r\n", body, closeAfterSending: true);
        await AssertCutShortAsync(status);

        var (_, document) = await _runner.GetJobAsync(job);
        Assert.Equal("queued", document.GetProperty("status").GetString());
    }

    /// <summary>
    /// A body cut short by the caller: the server may answer 400 or drop the connection (the caller
    /// is gone), but never takes it for a storage outage.
    /// </summary>
    private async Task AssertCutShortAsync(int? status)
    {
        Assert.True(status is null or 400, $"answered {status}");
        if (!_runner.IsExternal)
        {
            // An outage would be logged at once; give the handler a moment to finish after the connection closed.
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.DoesNotContain(_runner.Logs.Lines, line => line.Contains("storage unavailable", StringComparison.OrdinalIgnoreCase));
        }
    }

    private void AssertRefusedAsTheCallersFault(int? status, string? contentType)
    {
        Assert.Equal(400, status);
        if (!_runner.IsExternal)
        {
            // Our own answer (the Functions host may answer framing errors itself, before the worker sees them).
            Assert.Equal("application/problem+json", contentType);
        }
    }

    /// <summary>Sends a request head and body as given; with <paramref name="closeAfterSending"/>, shuts the sending side so the server sees the body end early.</summary>
    private async Task<(int? Status, string? ContentType)> SendRawAsync(string route, string extraHeaders, string body, bool closeAfterSending)
    {
        var address = _runner.Client.BaseAddress!;
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();
        var request = $"POST {route} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n{extraHeaders}Connection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        if (closeAfterSending)
        {
            socket.Client.Shutdown(SocketShutdown.Send);
        }

        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? statusLine;
        try
        {
            statusLine = await reader.ReadLineAsync(timeout.Token);
        }
        catch (IOException)
        {
            return (null, null); // the server dropped the connection without an answer
        }

        if (statusLine is null)
        {
            return (null, null);
        }

        string? contentType = null;
        for (var line = await reader.ReadLineAsync(timeout.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(timeout.Token))
        {
            if (line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
            {
                contentType = line["Content-Type:".Length..].Trim().Split(';')[0];
            }
        }

        return (int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), contentType);
    }
}
