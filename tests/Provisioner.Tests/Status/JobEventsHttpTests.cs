using System.Net;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Status;

/// <summary>
/// GET /api/jobs/{job_id}/events over real HTTP against the runner and Azurite: the stream a
/// client reads while a job moves, its resume with Last-Event-ID, and its bounds.
/// </summary>
[Collection(SharedAzurite.Name)]
[Trait("Category", Runner.HostHttpCategory)]
public sealed class JobEventsHttpTests(Azurite azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private async Task SendAsync(Guid job, string fields) =>
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}")).StatusCode);

    [Fact]
    public async Task Stream_SendsTheCurrentDocument_ThenEachChange_AndEndsAfterRunning()
    {
        var job = await _runner.NewJobAsync();
        await using var stream = await EventStreamReader.OpenAsync(_runner.Client, job);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);

        var first = await stream.NextAsync(Soon);
        Assert.NotNull(first);
        Assert.Equal("status", first.Name);
        Assert.Equal("queued", first.Document.GetProperty("status").GetString());
        var (_, polled) = await _runner.GetJobAsync(job);
        Assert.Equal(polled.GetRawText(), first.Document.GetRawText()); // the same document GET gives

        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"801\"");
        var provisioning = await stream.NextAsync(Soon);
        Assert.Equal("provisioning", provisioning!.Document.GetProperty("status").GetString());
        Assert.True(provisioning.IdValue > first.IdValue, $"ids must increase: {first.Id} then {provisioning.Id}");

        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        var created = await stream.NextAsync(Soon);
        Assert.Equal((await _runner.GetJobAsync(job)).Body.GetRawText(), created!.Document.GetRawText());
        Assert.True(created.IdValue > provisioning.IdValue);

        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"8\",\"server_ip\":\"203.0.113.8\",\"tailscale_ip\":\"100.64.0.8\"");
        var running = await stream.NextAsync(Soon);
        Assert.Equal("running", running!.Document.GetProperty("status").GetString());
        Assert.True(await stream.EndsAsync(Soon), "the stream must end after a terminal document");
    }

    [Fact]
    public async Task Stream_OfAFailedJob_SendsItAndEnds()
    {
        var job = await _runner.NewJobAsync();
        await SendAsync(job, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");
        await using var stream = await EventStreamReader.OpenAsync(_runner.Client, job);
        var only = await stream.NextAsync(Soon);
        Assert.Equal("failed", only!.Document.GetProperty("status").GetString());
        Assert.True(await stream.EndsAsync(Soon));
    }

    [Fact]
    public async Task LastEventId_ResumesAfterThatEvent()
    {
        var job = await _runner.NewJobAsync();
        string seen;
        await using (var stream = await EventStreamReader.OpenAsync(_runner.Client, job))
        {
            seen = (await stream.NextAsync(Soon))!.Id!;
        }

        // Nothing changed since that event: the resumed stream sends nothing until the next change.
        await using (var resumed = await EventStreamReader.OpenAsync(_runner.Client, job, seen))
        {
            var pending = resumed.NextAsync(TimeSpan.FromSeconds(15));
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.False(pending.IsCompleted, "a resumed stream must not send again the document its caller has");
            await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"802\"");
            var next = await pending;
            Assert.Equal("provisioning", next!.Document.GetProperty("status").GetString());
            Assert.True(long.Parse(next.Id!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(seen, System.Globalization.CultureInfo.InvariantCulture));
        }

        // The job changed after the event the caller saw: the current document comes first.
        await SendAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        await using (var behind = await EventStreamReader.OpenAsync(_runner.Client, job, seen))
        {
            var first = await behind.NextAsync(Soon);
            Assert.Equal((await _runner.GetJobAsync(job)).Body.GetRawText(), first!.Document.GetRawText());
            Assert.NotNull(first.Document.GetProperty("steps")[1].GetProperty("completed_at").GetString());
        }
    }

    [Theory]
    [InlineData("not-a-number")]
    [InlineData("7")]
    [InlineData("999999999999999999")]
    public async Task LastEventId_NotOurs_StartsFromTheCurrentDocument(string lastEventId)
    {
        var job = await _runner.NewJobAsync();
        await using var stream = await EventStreamReader.OpenAsync(_runner.Client, job, lastEventId);
        var first = await stream.NextAsync(Soon);
        Assert.Equal("queued", first!.Document.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000001")]
    [InlineData("not-a-job")]
    public async Task UnknownJob_Is404_BeforeAnyEvent(string jobId)
    {
        using var response = await _runner.Client.GetAsync(new Uri($"/api/jobs/{jobId}/events", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>The stream's bounds, with settings that make them quick to see.</summary>
[Collection(SharedAzurite.Name)]
public sealed class JobEventsBoundsTests(Azurite azurite)
{
    [Fact]
    public async Task Stream_SendsACommentLine_WhenNothingElseWasSent_AndEndsItselfAfterItsLifetime()
    {
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["EVENTS_KEEPALIVE_SECONDS"] = "1",
            ["EVENTS_STREAM_SECONDS"] = "4",
        });
        var job = await runner.NewJobAsync();
        var opened = DateTimeOffset.UtcNow;
        await using var stream = await EventStreamReader.OpenAsync(runner.Client, job);
        Assert.NotNull(await stream.NextAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await stream.EndsAsync(TimeSpan.FromSeconds(10)), "an in-flight job's stream must end itself after EVENTS_STREAM_SECONDS");
        var lasted = DateTimeOffset.UtcNow - opened;
        Assert.InRange(lasted.TotalSeconds, 3.5, 9);
        Assert.True(stream.Comments.Count >= 2, $"expected a comment line about every second, saw {stream.Comments.Count}");
    }

    [Fact]
    public async Task Streams_BeyondTheBound_Are503WithRetryAfter_UntilOneCloses()
    {
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["EVENTS_MAX_STREAMS"] = "1" });
        var job = await runner.NewJobAsync();
        var first = await EventStreamReader.OpenAsync(runner.Client, job);
        Assert.NotNull(await first.NextAsync(TimeSpan.FromSeconds(5)));

        using (var refused = await runner.Client.GetAsync(new Uri($"/api/jobs/{job}/events", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("EVENTS_MAX_STREAMS", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await first.DisposeAsync();
        await Eventually.WaitAsync(
            async () =>
            {
                await using var again = await EventStreamReader.OpenAsync(runner.Client, job);
                return again.Response.StatusCode;
            },
            code => code == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "a place for a stream once the first closed");
    }
}
