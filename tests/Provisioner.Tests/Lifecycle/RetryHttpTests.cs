using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Lifecycle;

/// <summary>POST /api/jobs/{job_id}/retry over HTTP against Azurite.</summary>
[Collection(SharedAzurite.Name)]
public sealed class RetryHttpTests(Azurite azurite) : IAsyncLifetime
{
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private async Task<Guid> FailedJobAsync(string agent)
    {
        var job = await _runner.NewJobAsync(agent);
        var response = await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return job;
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> RetryAsync(Guid job, string? body = null)
    {
        using var content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json");
        var response = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), content);
        return (response, await Runner.ReadJsonAsync(response));
    }

    private static Guid? Link(JsonElement document, string name) =>
        document.GetProperty(name).ValueKind == JsonValueKind.Null ? null : document.GetProperty(name).GetGuid();

    [Fact]
    public async Task Retry_FailedJob_NewAttemptLinkedBothWaysAndListedFirst()
    {
        var agent = Runner.NewAgentId();
        var first = await FailedJobAsync(agent);

        var (response, body) = await RetryAsync(first);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var second = body.GetProperty("job_id").GetGuid();
        Assert.Equal($"/api/jobs/{second}", response.Headers.Location?.OriginalString);
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal(agent, body.GetProperty("agent_id").GetString());
        Assert.Equal("eu-central", body.GetProperty("region").GetString());
        Assert.Equal(2, body.GetProperty("attempt").GetInt32());
        Assert.Equal(first, Link(body, "previous_job_id"));
        Assert.Null(Link(body, "next_job_id"));

        var old = (await _runner.GetJobAsync(first)).Body;
        Assert.Equal(second, Link(old, "next_job_id"));
        Assert.Equal("failed", old.GetProperty("status").GetString());

        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)));
        Assert.Equal([(second, 2), (first, 1)], list.GetProperty("jobs").EnumerateArray().Select(j => (j.GetProperty("job_id").GetGuid(), j.GetProperty("attempt").GetInt32())));
        Assert.Equal(second, (await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative)))).GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task Retry_ThirdAttempt_CountsOnAndThePerAgentListPages()
    {
        var agent = Runner.NewAgentId();
        var first = await FailedJobAsync(agent);
        var second = (await RetryAsync(first, "{\"from\":\"start\"}")).Body.GetProperty("job_id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{second}\",\"status\":\"failed\",\"error\":\"x\",\"failed_step\":\"provision\"}}")).StatusCode);

        var (response, third) = await RetryAsync(second);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, third.GetProperty("attempt").GetInt32());
        var page = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs?limit=2", UriKind.Relative)));
        Assert.Equal(2, page.GetProperty("jobs").GetArrayLength());
        var rest = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs?limit=2&continuation={page.GetProperty("continuation").GetString()}", UriKind.Relative)));
        Assert.Equal([first], rest.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetGuid()));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("continuation").ValueKind);
    }

    [Fact]
    public async Task Retry_ConcurrentRetriesOfOneJob_ExactlyOneNewAttempt()
    {
        var agent = Runner.NewAgentId();
        var first = await FailedJobAsync(agent);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RetryAsync(first)));

        var accepted = answers.Where(a => a.Response.StatusCode == HttpStatusCode.Accepted).Select(a => a.Body.GetProperty("job_id").GetGuid()).Distinct().ToList();
        var next = Assert.Single(accepted);
        Assert.All(answers, a => Assert.True(a.Response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, a.Response.StatusCode.ToString()));
        Assert.All(answers.Where(a => a.Response.StatusCode == HttpStatusCode.Conflict), a => Assert.Equal(next, a.Body.GetProperty("job_id").GetGuid()));
        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)));
        Assert.Equal([next, first], list.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetGuid()));
        Assert.Equal(next, Link((await _runner.GetJobAsync(first)).Body, "next_job_id"));
    }

    [Fact]
    public async Task Retry_AgentHasAJobInFlight_409AndNoLinkLeft()
    {
        var agent = Runner.NewAgentId();
        var first = await FailedJobAsync(agent);
        var inFlight = await _runner.NewJobAsync(agent);

        var (response, body) = await RetryAsync(first);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(inFlight, body.GetProperty("job_id").GetGuid());
        Assert.Null(Link((await _runner.GetJobAsync(first)).Body, "next_job_id"));
        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)));
        Assert.Equal([inFlight, first], list.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetGuid()));
    }

    [Fact]
    public async Task Retry_CancelledJob_NewAttempt()
    {
        var job = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null)).StatusCode);

        var (response, body) = await RetryAsync(job);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(job, Link(body, "previous_job_id"));
    }

    [Fact]
    public async Task Retry_JobInFlightOrRunning_409()
    {
        var queued = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.Conflict, (await RetryAsync(queued)).Response.StatusCode);

        var running = await _runner.NewJobAsync();
        await _runner.SendLegacyAsync($"{{\"job_id\":\"{running}\",\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"}}");
        var (response, body) = await RetryAsync(running);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("is running", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_FromFailedStep_409SayingWhyAndNothingChanged()
    {
        var job = await FailedJobAsync(Runner.NewAgentId());

        var (response, body) = await RetryAsync(job, "{\"from\":\"failed_step\"}");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("its server was not kept", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(Link((await _runner.GetJobAsync(job)).Body, "next_job_id"));
    }

    [Theory]
    [InlineData("{\"from\":\"middle\"}")]
    [InlineData("{\"from\":1}")]
    [InlineData("[]")]
    [InlineData("{")]
    public async Task Retry_BadBody_400AndNothingChanged(string body)
    {
        var job = await FailedJobAsync(Runner.NewAgentId());

        var (response, _) = await RetryAsync(job, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(Link((await _runner.GetJobAsync(job)).Body, "next_job_id"));
    }

    [Fact]
    public async Task Retry_UnknownJob_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await RetryAsync(Guid.NewGuid())).Response.StatusCode);
        using var response = await _runner.Client.PostAsync(new Uri("/api/jobs/nope/retry", UriKind.Relative), JsonContent.Create(new { from = "start" }));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
