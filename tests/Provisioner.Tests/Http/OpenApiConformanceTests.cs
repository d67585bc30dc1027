using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Microsoft.OpenApi.YamlReader;
using Provisioner.Tests.Infrastructure;
using YamlDotNet.Serialization;

namespace Provisioner.Tests.Http;

/// <summary>
/// docs/openapi.yaml against the app: a valid OpenAPI 3.1 document (read by Microsoft's
/// reader), listing exactly the routes the Functions host binds, and every answer of a real
/// run of the API (each route, each answer code the tests can provoke) has a documented code,
/// its documented headers, and a body that validates against the documented schema (JSON
/// Schema 2020-12, evaluated by JsonSchema.Net). Runs against the real host in CI too.
/// </summary>
[Collection(SharedAzurite.Name)]
[Trait("Category", Runner.HostHttpCategory)]
public sealed class OpenApiConformanceTests(Azurite azurite) : IAsyncLifetime
{
    private static readonly string DocumentPath = Path.Combine(RepositoryRoot.Path, "docs", "openapi.yaml");
    private static readonly Uri DocumentUri = new("https://provisioner.invalid/openapi.json");
    private static readonly Lazy<(JsonNode Json, BuildOptions Build)> Document = new(Load);
    private static int _checks;

    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task Document_IsValidOpenApi31()
    {
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        await using var stream = File.OpenRead(DocumentPath);
        var result = await OpenApiDocument.LoadAsync(stream, "yaml", settings);
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, result.Diagnostic?.SpecificationVersion);
    }

    [Fact]
    public void Document_ListsExactlyTheRoutesTheHostBinds()
    {
        var metadata = Path.Combine(RepositoryRoot.Path, "functions", "Provisioner.Functions", "bin", RepositoryRoot.Configuration, "net10.0", "functions.metadata");
        var bound = JsonDocument.Parse(File.ReadAllText(metadata)).RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()} /api/{b.GetProperty("route").GetString()}"))
            .Order();
        var documented = Document.Value.Json["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "delete" or "patch").Select(o => $"{o.Key} {path.Key}"))
            .Order();
        Assert.Equal(bound, documented);
    }

    [Fact]
    public async Task CreateAndStatus_EveryAnswer_MatchesTheDocument()
    {
        var agent = Runner.NewAgentId();
        var created = await SendAsync(HttpMethod.Post, "/api/jobs", "/api/jobs", Json(new { agent_id = agent, region = "eu-central" }), ("Idempotency-Key", Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();

        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/jobs", "/api/jobs", Json(new { agent_id = agent, region = "eu-central" }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/api/jobs", "/api/jobs", Json(new { agent_id = "not valid!", region = "eu-central" }))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(HttpMethod.Post, "/api/jobs", "/api/jobs", Json(new { agent_id = new string('a', 20_000), region = "x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await SendAsync(HttpMethod.Post, "/api/jobs", "/api/jobs", new StringContent("agent_id=a", Encoding.UTF8, "application/x-www-form-urlencoded"))).StatusCode);
        var key = Guid.NewGuid().ToString();
        await SendAsync(HttpMethod.Post, "/api/jobs", "/api/jobs", Json(new { agent_id = Runner.NewAgentId(), region = "eu-central" }), ("Idempotency-Key", key));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, "/api/jobs", "/api/jobs", Json(new { agent_id = Runner.NewAgentId(), region = "eu-central" }), ("Idempotency-Key", key))).StatusCode);

        var status = await SendAsync(HttpMethod.Get, $"/api/jobs/{job}", "/api/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, (await SendAsync(HttpMethod.Get, $"/api/jobs/{job}", "/api/jobs/{jobId}", null, ("If-None-Match", status.Headers.ETag!.Tag))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/jobs/{Guid.NewGuid()}", "/api/jobs/{jobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/jobs/not-a-guid", "/api/jobs/{jobId}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/provisioning", "/api/agents/{agentId}/provisioning")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/agents/{Runner.NewAgentId()}/provisioning", "/api/agents/{agentId}/provisioning")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/agents/bad.agent/provisioning", "/api/agents/{agentId}/provisioning")).StatusCode);
    }

    [Fact]
    public async Task Callbacks_EveryAnswer_MatchesTheDocument()
    {
        var job = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"501\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"502\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"type\":\"heartbeat\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"teleported\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await CallbackAsync($"{{\"job_id\":\"{Guid.NewGuid()}\",\"type\":\"heartbeat\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Post, "/api/webhooks/github", "/api/webhooks/github", Json(new { job_id = job, type = "heartbeat" }), ("X-Signature", new string('0', 64)))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"pad\":\"{new string('x', 70_000)}\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"}}")).StatusCode);

        var failed = await SendAsync(HttpMethod.Get, $"/api/jobs/{job}", "/api/jobs/{jobId}");
        Assert.Equal("failed", (await Runner.ReadJsonAsync(failed)).GetProperty("status").GetString());
        Assert.Null(failed.Headers.RetryAfter); // no poll hint once the job has ended
    }

    [Fact]
    public async Task Lists_EveryAnswer_MatchesTheDocument()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"}}")).StatusCode);
        await _runner.NewJobAsync(agent);

        var page = await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/jobs?limit=1", "/api/agents/{agentId}/jobs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var continuation = (await Runner.ReadJsonAsync(page)).GetProperty("continuation").GetString();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/jobs?limit=1&continuation={continuation}", "/api/agents/{agentId}/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/agents/bad.agent/jobs", "/api/agents/{agentId}/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/jobs?status=failed&limit=5", "/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/jobs", "/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/jobs?status=lost", "/api/jobs")).StatusCode);
    }

    [Fact]
    public async Task Cancel_EveryAnswer_MatchesTheDocument()
    {
        var job = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/cancel", "/api/jobs/{jobId}/cancel")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/cancel", "/api/jobs/{jobId}/cancel")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/api/jobs/{Guid.NewGuid()}/cancel", "/api/jobs/{jobId}/cancel")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/jobs/{job}", "/api/jobs/{jobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/jobs?status=cancelled", "/api/jobs")).StatusCode);

        var retried = await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/retry", "/api/jobs/{jobId}/retry", Json(new { from = "start" }));
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/retry", "/api/jobs/{jobId}/retry")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/retry", "/api/jobs/{jobId}/retry", Json(new { from = "middle" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/api/jobs/{Guid.NewGuid()}/retry", "/api/jobs/{jobId}/retry")).StatusCode);
    }

    [Fact]
    public async Task TearDown_EveryAnswer_MatchesTheDocument()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"601\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"6001\",\"server_ip\":\"203.0.113.6\",\"tailscale_ip\":\"100.64.0.6\"}}")).StatusCode);

        var removing = await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server");
        Assert.Equal(HttpStatusCode.Accepted, removing.StatusCode);
        var deprovision = (await Runner.ReadJsonAsync(removing)).GetProperty("job_id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{deprovision}\",\"status\":\"provisioning\",\"workflow_run_id\":\"602\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/jobs/{deprovision}", "/api/jobs/{jobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{deprovision}\",\"status\":\"running\",\"server_id\":\"6001\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/jobs/{deprovision}", "/api/jobs/{jobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/provisioning", "/api/agents/{agentId}/provisioning")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/jobs", "/api/agents/{agentId}/jobs")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"/api/agents/{Runner.NewAgentId()}/server", "/api/agents/{agentId}/server")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Delete, "/api/agents/bad.agent/server", "/api/agents/{agentId}/server")).StatusCode);
    }

    [Fact]
    public async Task ServerLifetime_EveryAnswer_MatchesTheDocument()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Patch, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server", Json(new { ttl_minutes = 60 }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"611\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\",\"server_type\":\"cx33\",\"location\":\"fsn1\",\"price\":{{\"hourly_net\":\"0.0104\",\"hourly_gross\":\"0.012376\",\"monthly_net\":\"6.49\",\"monthly_gross\":\"7.7231\",\"currency\":\"EUR\"}}}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"6101\",\"server_ip\":\"203.0.113.61\",\"tailscale_ip\":\"100.64.0.61\"}}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Patch, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server", Json(new { ttl_minutes = 60 }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/jobs/{job}", "/api/jobs/{jobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/jobs", "/api/agents/{agentId}/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Patch, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server", new StringContent("{\"expires_at\":null}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Patch, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server", Json(new { ttl_minutes = 0 }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Patch, $"/api/agents/{Runner.NewAgentId()}/server", "/api/agents/{agentId}/server", Json(new { ttl_minutes = 60 }))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(HttpMethod.Patch, $"/api/agents/{agent}/server", "/api/agents/{agentId}/server", Json(new { expires_at = new string('a', 2_000) }))).StatusCode);
    }

    [Fact]
    public async Task Events_EveryAnswer_MatchesTheDocument()
    {
        var job = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/jobs/{job}/events", "/api/jobs/{jobId}/events")).StatusCode); // a failed job's stream ends after its one event
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/jobs/{Guid.NewGuid()}/events", "/api/jobs/{jobId}/events")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/jobs/not-a-guid/events", "/api/jobs/{jobId}/events")).StatusCode);
    }

    [Fact]
    public async Task StepStats_EveryAnswer_MatchesTheDocument()
    {
        var region = "oa-" + Guid.NewGuid().ToString("N")[..8];
        var (created, body) = await _runner.CreateJobAsync(Runner.NewAgentId(), region);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var job = body.GetProperty("job_id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"701\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"7\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"}}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/stats/steps?region={region}&days=1", "/api/stats/steps")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/stats/steps", "/api/stats/steps")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/stats/steps?days=91", "/api/stats/steps")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/stats/steps?region=never-seen-here", "/api/stats/steps")).StatusCode);
    }

    [Fact]
    public async Task Audit_EveryAnswer_MatchesTheDocument()
    {
        var agent = Runner.NewAgentId();
        await _runner.NewJobAsync(agent);
        await _runner.NewJobAsync(Runner.NewAgentId());

        var page = await SendAsync(HttpMethod.Get, "/api/audit?limit=1", "/api/audit");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var continuation = (await Runner.ReadJsonAsync(page)).GetProperty("continuation").GetString();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/audit?limit=1&continuation={continuation}", "/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/audit?agent_id={agent}&action=job.create", "/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/audit?limit=0", "/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/audit?continuation=nope", "/api/audit")).StatusCode);
    }

    [Fact]
    public async Task Health_Answer_MatchesTheDocument()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/health", "/api/health")).StatusCode);
    }

    [Fact]
    public async Task AgentHealth_EveryAnswer_MatchesTheDocument()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var claim = await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"601\"}}");
        var key = (await Runner.ReadJsonAsync(claim)).GetProperty("agent_key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"6\",\"server_ip\":\"203.0.113.6\",\"tailscale_ip\":\"100.64.0.6\"}}")).StatusCode);
        Assert.Equal("unknown", (await Runner.ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/api/jobs/{job}", "/api/jobs/{jobId}"))).GetProperty("health").GetProperty("state").GetString());

        const string Template = "/api/agents/{agentId}/health";
        Task<HttpResponseMessage> ReportAsync(string body, string bearer) =>
            SendAsync(HttpMethod.Post, $"/api/agents/{agent}/health", Template, new StringContent(body, Encoding.UTF8, "application/json"), ("Authorization", "Bearer " + bearer));
        const string Report = "{\"status\":\"ok\",\"checks\":{\"disk\":{\"status\":\"ok\",\"message\":\"64% free\"}},\"version\":\"1\"}";
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(Report, key[..37] + new string('A', 43))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ReportAsync("{\"status\":\"fine\",\"checks\":{}}", key)).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await ReportAsync("{\"pad\":\"" + new string('x', 17 * 1024) + "\"}", key)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ReportAsync(Report, key)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ReportAsync(Report, key)).StatusCode);

        var running = await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/provisioning", "/api/agents/{agentId}/provisioning");
        Assert.Equal("healthy", (await Runner.ReadJsonAsync(running)).GetProperty("health").GetProperty("state").GetString());
    }

    private Task<HttpResponseMessage> CallbackAsync(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return SendAsync(HttpMethod.Post, "/api/webhooks/github", "/api/webhooks/github", content,
            ("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", Signing.StandardWebhooks(Runner.Secret, id, timestamp, bytes)));
    }

    private static JsonContent Json(object value) => JsonContent.Create(value);

    /// <summary>Sends a request and checks the answer against the operation <paramref name="template"/> documents.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string template, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await _runner.Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        await AssertDocumentedAsync(method, template, response);
        return response;
    }

    internal static async Task AssertDocumentedAsync(HttpMethod method, string template, HttpResponseMessage response)
    {
        var (document, build) = Document.Value;
        var operationPointer = $"/paths/{Escape(template)}/{method.Method.ToLowerInvariant()}";
        var code = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var what = $"{method} {template} answered {code}";
        var (answer, answerPointer) = Resolve(document, $"{operationPointer}/responses/{code}");
        Assert.True(answer is not null, $"{what}, which docs/openapi.yaml does not document");

        foreach (var (name, header) in answer!["headers"]?.AsObject() ?? [])
        {
            var (declared, _) = Resolve(document, $"{answerPointer}/headers/{Escape(name)}");
            var present = response.Headers.TryGetValues(name, out _) || response.Content.Headers.TryGetValues(name, out _);
            if (declared!["required"]?.GetValue<bool>() == true)
            {
                Assert.True(present, $"{what} without its documented header {name}");
            }
        }

        var body = await response.Content.ReadAsStringAsync();
        if (answer["content"] is not JsonObject media)
        {
            Assert.True(body.Length == 0, $"{what} with a body where the document has none");
            return;
        }

        var type = response.Content.Headers.ContentType?.MediaType ?? "";
        Assert.True(media.ContainsKey(type), $"{what} as {type}; documented: {string.Join(", ", media.Select(m => m.Key))}");
        if (type == "text/event-stream")
        {
            // Server-sent events: each event's data is a status document (docs/events.md).
            var data = body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l["data: ".Length..]).ToList();
            Assert.True(data.Count > 0, $"{what} with no event");
            foreach (var item in data)
            {
                AssertMatches(build, "/components/schemas/StatusDocument", item, what);
            }

            return;
        }

        var fragment = $"{answerPointer}/content/{Escape(type)}/schema".Replace("+", "%2B", StringComparison.Ordinal); // a URI fragment: '+' would read as a space
        var schema = JsonSchema.FromText(
            $"{{\"$ref\":\"{DocumentUri}#{fragment}\"}}",
            build,
            new Uri($"https://provisioner.invalid/check/{Interlocked.Increment(ref _checks)}"));
        using var instance = JsonDocument.Parse(body);
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{what} with a body the documented schema refuses:\n{body}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}"))}");
    }

    private static void AssertMatches(BuildOptions build, string pointer, string json, string what)
    {
        var schema = JsonSchema.FromText($"{{\"$ref\":\"{DocumentUri}#{pointer}\"}}", build, new Uri($"https://provisioner.invalid/check/{Interlocked.Increment(ref _checks)}"));
        using var instance = JsonDocument.Parse(json);
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{what} with an event the documented schema refuses:\n{json}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}"))}");
    }

    /// <summary>The node at a JSON pointer, following one <c>$ref</c> there; with the pointer it was found at.</summary>
    private static (JsonNode? Node, string Pointer) Resolve(JsonNode document, string pointer)
    {
        var node = At(document, pointer);
        if (node?["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith('#'))
        {
            return (At(document, reference[1..]), reference[1..]);
        }

        return (node, pointer);
    }

    private static JsonNode? At(JsonNode document, string pointer)
    {
        var node = document;
        foreach (var token in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node?[token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
        }

        return node;
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static (JsonNode, BuildOptions) Load()
    {
        // YAML to JSON with YAML's own scalar types (numbers, booleans, null), then the whole
        // document registered as one schema resource so that every $ref inside it resolves.
        var yaml = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object>(File.ReadAllText(DocumentPath));
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(yaml);
        var node = JsonNode.Parse(json)!;
        // OpenAPI 3.1's schemas are JSON Schema 2020-12; the document around them (openapi, paths,
        // components) is not a schema, so its keywords are let through as unknown.
        var dialect = Dialect.Draft202012.With([], new Uri("https://provisioner.invalid/dialect/openapi-3.1"), true, null);
        var build = new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = dialect };
        JsonSchema.FromText(node.ToJsonString(), build, DocumentUri);
        return (node, build);
    }
}
