using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.KeptServers;

/// <summary>
/// Re-run from the failed step over HTTP against Azurite, on fake time: the failure callback's
/// server_kept_until, its bound, and POST /api/jobs/{id}/retry {"from": "failed_step"} inside
/// and outside the window.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class RetryFromFailedStepHttpTests(Azurite azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["KEEP_FAILED_SERVER_MINUTES"] = "30" }, _time);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A job whose run failed at <paramref name="failedStep"/>; <paramref name="extra"/> is added to the failure callback.</summary>
    private static async Task<Guid> FailedJobAsync(Runner runner, string agent, string failedStep, string extra)
    {
        var job = await runner.NewJobAsync(agent);
        Assert.Equal(HttpStatusCode.OK, (await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"777\"}}")).StatusCode);
        var response = await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"ansible failed\",\"failed_step\":\"{failedStep}\",\"step\":\"{failedStep}\"{extra}}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return job;
    }

    private Task<Guid> KeptJobAsync(string agent, string failedStep = "configure", string serverId = "4711") =>
        FailedJobAsync(_runner, agent, failedStep, $",\"server_id\":\"{serverId}\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\",\"server_kept_until\":\"{Iso(_time.GetUtcNow().AddMinutes(30))}\"");

    private static async Task<(HttpResponseMessage Response, JsonElement Body)> RetryAsync(Runner runner, Guid job, string body = "{\"from\":\"failed_step\"}")
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), content);
        return (response, await Runner.ReadJsonAsync(response));
    }

    private static string? Text(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

    private async Task AssertNotRetriedAsync(Guid job)
    {
        var document = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal(JsonValueKind.Null, document.GetProperty("next_job_id").ValueKind);
    }

    [Fact]
    public async Task FailureCallback_WithServerKeptUntil_ShownAsServerKeptUntil()
    {
        var job = await KeptJobAsync(Runner.NewAgentId());

        var document = (await _runner.GetJobAsync(job)).Body;

        Assert.Equal("failed", Text(document, "status"));
        Assert.Equal("configuring", document.GetProperty("error").GetProperty("step_id").GetString());
        var server = document.GetProperty("server");
        Assert.Equal("4711", Text(server, "id"));
        Assert.Equal(Start.AddMinutes(30), server.GetProperty("kept_until").GetDateTimeOffset());
        Assert.Null(Text(document, "resume_from"));
    }

    [Fact]
    public async Task FailureCallback_KeptUntilBeyondTheSetting_BoundedToFailurePlusSettingPlusSlack()
    {
        var job = await FailedJobAsync(_runner, Runner.NewAgentId(), "install", $",\"server_id\":\"9\",\"server_kept_until\":\"{Iso(Start.AddDays(10))}\"");

        var keptUntil = (await _runner.GetJobAsync(job)).Body.GetProperty("server").GetProperty("kept_until").GetDateTimeOffset();

        Assert.Equal(Start.AddMinutes(30 + 5), keptUntil);
    }

    [Fact]
    public async Task FailureCallback_KeptUntilBeforeTheFailure_RecordedAsTheFailureTime_WindowClosed()
    {
        var job = await FailedJobAsync(_runner, Runner.NewAgentId(), "configure", ",\"server_id\":\"9\",\"server_kept_until\":\"1000-01-01T00:00:00Z\"");

        Assert.Equal(Start, (await _runner.GetJobAsync(job)).Body.GetProperty("server").GetProperty("kept_until").GetDateTimeOffset());
        var (response, body) = await RetryAsync(_runner, job);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("closed at 2026-03-04T10:00:00Z", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a time")]
    [InlineData("42")]
    public async Task FailureCallback_MalformedKeptUntil_FailureKeptWithoutIt(string value)
    {
        var job = await FailedJobAsync(_runner, Runner.NewAgentId(), "install", $",\"server_id\":\"9\",\"server_kept_until\":{JsonSerializer.Serialize(value)}");

        var document = (await _runner.GetJobAsync(job)).Body;

        Assert.Equal("failed", Text(document, "status"));
        Assert.Equal(JsonValueKind.Null, document.GetProperty("server").GetProperty("kept_until").ValueKind);
    }

    [Fact]
    public async Task FailureCallback_KeptUntilWithoutServerId_NotRecorded()
    {
        var job = await FailedJobAsync(_runner, Runner.NewAgentId(), "configure", $",\"server_ip\":\"203.0.113.7\",\"server_kept_until\":\"{Iso(Start.AddMinutes(30))}\"");

        Assert.Equal(JsonValueKind.Null, (await _runner.GetJobAsync(job)).Body.GetProperty("server").GetProperty("kept_until").ValueKind);
    }

    [Theory]
    [InlineData("configure", "configure")]
    [InlineData("install", "install")]
    public async Task FromFailedStep_InsideTheWindow_NextAttemptResumesOnTheKeptServer(string failedStep, string resumeFrom)
    {
        var agent = Runner.NewAgentId();
        var first = await KeptJobAsync(agent, failedStep);
        _time.Advance(TimeSpan.FromMinutes(29));

        var (response, body) = await RetryAsync(_runner, first);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var second = body.GetProperty("job_id").GetGuid();
        Assert.Equal($"/api/jobs/{second}", response.Headers.Location?.OriginalString);
        Assert.Equal("queued", Text(body, "status"));
        Assert.Equal(resumeFrom, Text(body, "resume_from"));
        Assert.Equal(2, body.GetProperty("attempt").GetInt32());
        Assert.Equal(first, body.GetProperty("previous_job_id").GetGuid());
        Assert.Equal(resumeFrom, Text((await _runner.GetJobAsync(second)).Body, "resume_from"));

        // The old attempt names the new one and keeps saying until when its server was kept.
        var old = (await _runner.GetJobAsync(first)).Body;
        Assert.Equal(second, old.GetProperty("next_job_id").GetGuid());
        Assert.Equal(Start.AddMinutes(30), old.GetProperty("server").GetProperty("kept_until").GetDateTimeOffset());

        // What the dispatch will send: the server to reuse.
        var row = (await _runner.Table("jobs").GetEntityAsync<TableEntity>(second.ToString(), "job")).Value;
        Assert.Equal("4711", row.GetString("ResumeServerId"));
        Assert.Equal(resumeFrom, row.GetString("ResumeFrom"));

        // Only one next attempt: a second re-run of the same job is refused, naming it.
        var (again, againBody) = await RetryAsync(_runner, first);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(second, againBody.GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task FromFailedStep_WindowClosed_409NamesTheDeadlineAndNothingChanged()
    {
        var job = await KeptJobAsync(Runner.NewAgentId());
        _time.Advance(TimeSpan.FromMinutes(30));

        var (response, body) = await RetryAsync(_runner, job);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var detail = body.GetProperty("detail").GetString()!;
        Assert.Contains("closed at 2026-03-04T10:30:00Z", detail, StringComparison.Ordinal);
        Assert.Equal(job, body.GetProperty("job_id").GetGuid());
        await AssertNotRetriedAsync(job);

        // From the start is still possible.
        Assert.Equal(HttpStatusCode.Accepted, (await RetryAsync(_runner, job, "{\"from\":\"start\"}")).Response.StatusCode);
    }

    [Fact]
    public async Task FromFailedStep_FailedAtCreatingServer_409()
    {
        var job = await KeptJobAsync(Runner.NewAgentId(), "provision");

        var (response, body) = await RetryAsync(_runner, job);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("failed at Creating Server", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNotRetriedAsync(job);
    }

    [Fact]
    public async Task FromFailedStep_NoServerKeptUntilInTheCallback_409()
    {
        var job = await FailedJobAsync(_runner, Runner.NewAgentId(), "configure", ",\"server_id\":\"4711\"");

        var (response, body) = await RetryAsync(_runner, job);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("its server was not kept", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNotRetriedAsync(job);
    }

    [Fact]
    public async Task FromFailedStep_CancelledJob_409()
    {
        var job = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null)).StatusCode);

        var (response, body) = await RetryAsync(_runner, job);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("was cancelled", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNotRetriedAsync(job);
    }

    [Fact]
    public async Task FromFailedStep_KeepingOff_KeptUntilNotRecordedAnd409()
    {
        await using var off = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["KEEP_FAILED_SERVER_MINUTES"] = "0" }, _time);
        var job = await FailedJobAsync(off, Runner.NewAgentId(), "configure", $",\"server_id\":\"4711\",\"server_kept_until\":\"{Iso(Start.AddMinutes(30))}\"");

        var document = (await off.GetJobAsync(job)).Body;
        Assert.Equal(JsonValueKind.Null, document.GetProperty("server").GetProperty("kept_until").ValueKind);
        var (response, body) = await RetryAsync(off, job);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("KEEP_FAILED_SERVER_MINUTES is 0", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromFailedStep_ConcurrentRetries_ExactlyOneNewAttempt()
    {
        var agent = Runner.NewAgentId();
        var first = await KeptJobAsync(agent);
        _time.Advance(TimeSpan.FromMinutes(1)); // the list is newest first: the new attempt is made later

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RetryAsync(_runner, first)));

        Assert.All(answers, a => Assert.True(a.Response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, a.Response.StatusCode.ToString()));
        var next = Assert.Single(answers.Where(a => a.Response.StatusCode == HttpStatusCode.Accepted).Select(a => a.Body.GetProperty("job_id").GetGuid()).Distinct());
        Assert.All(answers.Where(a => a.Response.StatusCode == HttpStatusCode.Conflict), a => Assert.Equal(next, a.Body.GetProperty("job_id").GetGuid()));
        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)));
        Assert.Equal([next, first], list.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetGuid()));
        Assert.Equal("configure", Text((await _runner.GetJobAsync(next)).Body, "resume_from"));
    }
}
