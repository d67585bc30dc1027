using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary><c>POST /api/jobs</c> over HTTP against the runner and Azurite.</summary>
[Collection(SharedAzurite.Name)]
[Trait("Category", Runner.HostHttpCategory)]
public sealed class CreateJobHttpTests(Azurite azurite) : IAsyncLifetime
{
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task Create_ValidRequest_Is202WithLocationAndAQueuedDocument()
    {
        var agent = Runner.NewAgentId();
        var (response, body) = await _runner.CreateJobAsync(agent, "us-west-2");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = body.GetProperty("job_id").GetGuid();
        Assert.Equal($"/api/jobs/{jobId}", response.Headers.Location?.OriginalString);
        Assert.Equal(agent, body.GetProperty("agent_id").GetString());
        Assert.Equal("us-west-2", body.GetProperty("region").GetString());
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal(5, body.GetProperty("steps").GetArrayLength());
        Assert.EndsWith("Z", body.GetProperty("created_at").GetString(), StringComparison.Ordinal);

        var (status, document) = await _runner.GetJobAsync(jobId);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(body.GetRawText(), document.GetRawText());
    }

    [Fact]
    public async Task Create_EnqueuesTheJobAsBase64Json_AsTheFunctionsHostExpects()
    {
        var jobId = await _runner.NewJobAsync();
        var raw = new QueueClient(_runner.StorageConnectionString, "provisioning-jobs"); // no decoding: see the bytes as stored
        var found = false;
        for (var batch = 0; batch < 50 && !found; batch++)
        {
            // Other tests' messages may be ahead of ours: look through them (each comes back after a few seconds).
            var messages = (await raw.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(5))).Value;
            if (messages.Length == 0)
            {
                break;
            }

            foreach (var message in messages)
            {
                var json = Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText));
                found |= JsonDocument.Parse(json).RootElement.GetProperty("job_id").GetGuid() == jobId;
            }
        }

        Assert.True(found, "the job's message is on provisioning-jobs, base64-encoded JSON");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"agent_id\":\"a\"}")]
    [InlineData("{\"region\":\"eu\"}")]
    [InlineData("{\"agent_id\":\"\",\"region\":\"eu\"}")]
    [InlineData("{\"agent_id\":\"has space\",\"region\":\"eu\"}")]
    [InlineData("{\"agent_id\":\"a/b\",\"region\":\"eu\"}")]
    [InlineData("{\"agent_id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"region\":\"eu\"}")]
    [InlineData("{\"agent_id\":\"a\",\"region\":\"EU\"}")]
    [InlineData("{\"agent_id\":\"a\",\"region\":\"eu_central\"}")]
    [InlineData("{\"agent_id\":\"a\",\"region\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}")]
    [InlineData("{\"agent_id\":7,\"region\":\"eu\"}")]
    [InlineData("[\"a\",\"eu\"]")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task Create_BadInput_Is400ProblemDocument(string body)
    {
        var response = await _runner.Client.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace((await Runner.ReadJsonAsync(response)).GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Create_NotJsonContentType_Is415()
    {
        var response = await _runner.Client.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent("agent_id=a&region=eu", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Create_BodyOverTheCap_Is413()
    {
        var body = $"{{\"agent_id\":\"a\",\"region\":\"eu\",\"pad\":\"{new string('x', 20_000)}\"}}";
        var response = await _runner.Client.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Create_SecondJobWhileTheFirstIsInFlight_Is409NamingTheFirst()
    {
        var agent = Runner.NewAgentId();
        var first = await _runner.NewJobAsync(agent);
        var (response, body) = await _runner.CreateJobAsync(agent);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(first, body.GetProperty("job_id").GetGuid());
        Assert.Contains(first.ToString(), body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_AfterTheFirstJobEnded_IsAllowed()
    {
        var agent = Runner.NewAgentId();
        var first = await _runner.NewJobAsync(agent);
        var response = await _runner.SendLegacyAsync($"{{\"job_id\":\"{first}\",\"status\":\"failed\",\"error\":\"x\"}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var second = await _runner.NewJobAsync(agent);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Create_ConcurrentForOneAgent_GivesOne202AndThe409sNameIt()
    {
        for (var round = 0; round < 5; round++)
        {
            var agent = Runner.NewAgentId();
            var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _runner.CreateJobAsync(agent)));
            var accepted = results.Where(r => r.Response.StatusCode == HttpStatusCode.Accepted).ToList();
            var conflicts = results.Where(r => r.Response.StatusCode == HttpStatusCode.Conflict).ToList();
            Assert.Single(accepted);
            Assert.Equal(5, conflicts.Count);
            var winner = accepted[0].Body.GetProperty("job_id").GetGuid();
            Assert.All(conflicts, c => Assert.Equal(winner, c.Body.GetProperty("job_id").GetGuid()));

            // The losers left no job behind: the agent's newest job is the winner.
            var newest = await _runner.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative));
            Assert.Equal(winner, newest.GetProperty("job_id").GetGuid());
        }
    }

    [Fact]
    public async Task Create_SameIdempotencyKey_ReturnsTheSameJob()
    {
        var agent = Runner.NewAgentId();
        var key = Guid.NewGuid().ToString();
        var (first, firstBody) = await _runner.CreateJobAsync(agent, idempotencyKey: key);
        var (second, secondBody) = await _runner.CreateJobAsync(agent, idempotencyKey: key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(firstBody.GetProperty("job_id").GetGuid(), secondBody.GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task Create_SameIdempotencyKeyConcurrently_GivesOneJob()
    {
        var agent = Runner.NewAgentId();
        var key = Guid.NewGuid().ToString();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _runner.CreateJobAsync(agent, idempotencyKey: key)));
        Assert.All(results, r => Assert.Equal(HttpStatusCode.Accepted, r.Response.StatusCode));
        Assert.Single(results.Select(r => r.Body.GetProperty("job_id").GetGuid()).Distinct());
    }

    [Fact]
    public async Task Create_SameIdempotencyKeyForAnotherRequest_Is422()
    {
        var key = Guid.NewGuid().ToString();
        var (first, _) = await _runner.CreateJobAsync(Runner.NewAgentId(), idempotencyKey: key);
        var (second, body) = await _runner.CreateJobAsync(Runner.NewAgentId(), idempotencyKey: key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Contains("Idempotency-Key", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidIdempotencyKey_Is400()
    {
        var (response, _) = await _runner.CreateJobAsync(Runner.NewAgentId(), idempotencyKey: new string('k', 300));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
