using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Tests.Cli;

/// <summary>
/// `provisioner watch` on the job event stream, against <see cref="FakeEventServer"/> over real
/// loopback HTTP (the real stream route is tested with the app; here, what the tool does with what
/// a stream may send): each status event is drawn, comments are skipped, a stream the server
/// closes before the end is resumed with Last-Event-ID, a 503 is waited out, the terminal
/// document decides the exit code.
/// </summary>
public sealed class CliWatchStreamTests : IAsyncLifetime
{
    private FakeEventServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeEventServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static Func<HttpResponse, Task> Stream(params (int, System.Text.Json.Nodes.JsonObject)[] events) => FakeEventServer.Stream(events);

    private static System.Text.Json.Nodes.JsonObject Document(string status, params string[] states) => FakeEventServer.Document(status, states);

    [Fact]
    public async Task Watch_StreamClosedBeforeTheEnd_ResumesAfterTheLastEvent_DrawsEachStep_ExitsZero()
    {
        _server.Connections.Enqueue(Stream(
            (1, Document("provisioning", "completed", "active")),
            (2, Document("provisioning", "completed", "completed", "active"))));
        _server.Connections.Enqueue(Stream(
            (3, Document("provisioning", "completed", "completed", "completed", "active")),
            (4, Document("running"))));

        var result = await Cli.RunAsync(_server.Url, "watch", FakeEventServer.JobId);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([null, "2"], _server.LastEventIds);
        Assert.Equal(0, _server.Polls);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"job {FakeEventServer.JobId} (provision of demo-1): provisioning", lines[0]);
        string[] expected =
        [
            "Queued: completed", "Creating Server: active", "Creating Server: completed", "Installing Dependencies: active",
            "Installing Dependencies: completed", "Configuring Agent: active", "Configuring Agent: completed", "Running: completed",
        ];
        Assert.Equal(expected, lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal) && !l.StartsWith("job", StringComparison.Ordinal))
            .Select(l => l[9..].Split(" (", 2)[0]));
        Assert.Equal($"job {FakeEventServer.JobId}: running", lines[^1]);
    }

    [Theory]
    [InlineData("failed", 1)]
    [InlineData("cancelled", 3)]
    public async Task Watch_TerminalDocument_DecidesTheExitCode(string status, int exitCode)
    {
        _server.Connections.Enqueue(Stream((1, Document("provisioning", "completed", "active")), (2, Document(status, "completed", status == "failed" ? "error" : "cancelled"))));

        var result = await Cli.RunAsync(_server.Url, "watch", FakeEventServer.JobId);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Single(_server.LastEventIds);
    }

    [Fact]
    public async Task Watch_TooManyStreams_WaitsOutTheRetryAfter_PollingOnce_ThenStreams()
    {
        _server.Current = Document("provisioning", "completed", "active");
        _server.Connections.Enqueue(async response =>
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "1";
            await response.WriteAsync("");
        });
        _server.Connections.Enqueue(Stream((7, Document("running"))));

        var result = await Cli.RunAsync(_server.Url, "watch", FakeEventServer.JobId);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(1, _server.Polls);
        Assert.Equal(2, _server.LastEventIds.Count);
    }

    [Fact]
    public async Task Watch_OutputJson_WritesEachNewDocumentAsOneLine()
    {
        _server.Connections.Enqueue(Stream(
            (1, Document("provisioning", "completed", "active")),
            (2, Document("provisioning", "completed", "active")), // the same document again: not written twice
            (3, Document("running"))));

        var result = await Cli.RunAsync(_server.Url, "watch", FakeEventServer.JobId, "--output", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["provisioning", "running"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Watch_OnATerminal_RedrawsInPlace_RedirectedWritesPlainLines()
    {
        _server.Connections.Enqueue(Stream((1, Document("provisioning", "completed", "active")), (2, Document("running"))));
        _server.Connections.Enqueue(Stream((1, Document("provisioning", "completed", "active")), (2, Document("running"))));

        var terminal = await Cli.RunAsync(_server.Url, null, true, default, "watch", FakeEventServer.JobId);
        var redirected = await Cli.RunAsync(_server.Url, null, false, default, "watch", FakeEventServer.JobId);

        Assert.Contains("\e[6F", terminal.Out, StringComparison.Ordinal); // back up over the job line and its 5 steps
        Assert.Contains("\e[32m", terminal.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\e[", redirected.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_FromOptionOrVariable_IsSentAsBearer()
    {
        _server.Connections.Enqueue(Stream((1, Document("running"))));
        _server.Connections.Enqueue(Stream((1, Document("running"))));

        await Cli.RunAsync(_server.Url, "watch", FakeEventServer.JobId, "--token", "from-option");
        await Cli.RunAsync(_server.Url, new Dictionary<string, string> { ["PROVISIONER_TOKEN"] = "from-variable" }, false, default, "watch", FakeEventServer.JobId);

        Assert.Equal(["Bearer from-option", "Bearer from-variable"], _server.Authorizations);
    }

    [Fact]
    public async Task Create_WithTtl_SendsTtlMinutes()
    {
        var result = await Cli.RunAsync(_server.Url, "create", "--agent", "demo-1", "--region", "eu-central", "--ttl", "120");

        Assert.True(result.ExitCode == 0, result.ToString());
        var body = System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(_server.Creates))!;
        Assert.Equal(("demo-1", "eu-central", 120), ((string)body["agent_id"]!, (string)body["region"]!, (int)body["ttl_minutes"]!));
    }

    [Fact]
    public async Task Extend_PatchesTheServerWithTtlMinutes()
    {
        _server.Current = Document("running");

        var result = await Cli.RunAsync(_server.Url, "extend", "demo-1", "--ttl", "90", "--token", "t");
        var missing = await Cli.RunAsync(_server.Url, "extend", "demo-1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["application/json /api/agents/demo-1/server {\"ttl_minutes\":90}"], _server.Patches);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--ttl", missing.Error, StringComparison.Ordinal);
    }
}
