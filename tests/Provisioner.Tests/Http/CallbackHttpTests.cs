using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>Callbacks over HTTP against the runner and Azurite.</summary>
[Collection(SharedAzurite.Name)]
[Trait("Category", Runner.HostHttpCategory)]
public sealed class CallbackHttpTests(Azurite azurite) : IAsyncLifetime
{
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private static string Body(Guid job, string fields) => $"{{\"job_id\":\"{job}\",{fields}}}";

    private async Task<JsonElement> StatusAsync(Guid job)
    {
        var (response, body) = await _runner.GetJobAsync(job);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body;
    }

    private static string States(JsonElement document) =>
        string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

    private async Task<int> CallbackRowsAsync(Guid job)
    {
        var rows = _runner.Table("jobs").QueryAsync<TableEntity>(e => e.PartitionKey == job.ToString(), select: ["RowKey"]);
        var count = 0;
        await foreach (var row in rows)
        {
            count += row.RowKey.StartsWith("cb-", StringComparison.Ordinal) ? 1 : 0;
        }

        return count;
    }

    private static async Task AssertOkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");

        // A claim's answer also carries the job's agent key (docs/agent-health.md).
        Assert.Matches("""^\{"received":true(,"agent_key":"ak1_[0-9a-f]{32}_[A-Za-z0-9_-]{43}")?\}$""", text);
    }

    [Fact]
    public async Task Webhook_HappySequence_WalksThroughTheFiveSteps()
    {
        var job = await _runner.NewJobAsync();
        Assert.Equal("active pending pending pending pending", States(await StatusAsync(job)));

        var sequence = new (string Fields, string Status, string States, string? Current)[]
        {
            ("\"status\":\"provisioning\",\"workflow_run_id\":\"987\",\"workflow_run_url\":\"https://github.com/o/r/actions/runs/987\"", "provisioning", "completed active pending pending pending", null),
            ("\"type\":\"heartbeat\"", "provisioning", "completed active pending pending pending", null),
            ("\"status\":\"provisioning\",\"step\":\"vm_created\"", "provisioning", "completed completed active pending pending", "vm_created"),
            ("\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\"", "provisioning", "completed completed completed active pending", "ansible_started"),
            ("\"status\":\"provisioning\",\"step\":\"ansible_complete\"", "provisioning", "completed completed completed completed active", "ansible_complete"),
            ("\"status\":\"running\",\"server_id\":\"4711\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\",\"used_snapshot\":false", "running", "completed completed completed completed completed", "ansible_complete"),
        };

        var useStandard = true;
        foreach (var (fields, status, states, current) in sequence)
        {
            var body = Body(job, fields);
            await AssertOkAsync(useStandard ? await _runner.SendStandardAsync(body) : await _runner.SendLegacyAsync(body));
            useStandard = !useStandard;
            var document = await StatusAsync(job);
            Assert.Equal(status, document.GetProperty("status").GetString());
            Assert.Equal(states, States(document));
            Assert.Equal(current, document.GetProperty("current_step").GetString());
        }

        var final = await StatusAsync(job);
        Assert.Equal("987", final.GetProperty("workflow_run_id").GetString());
        // The link is built from GITHUB_OWNER, GITHUB_REPO and the run id, which the sample leaves empty; the body's URL is never shown (RunLinkHttpTests).
        Assert.Equal(JsonValueKind.Null, final.GetProperty("workflow_run_url").ValueKind);
        Assert.Equal("203.0.113.7", final.GetProperty("server").GetProperty("ip").GetString());
        Assert.Equal("100.64.0.7", final.GetProperty("server").GetProperty("tailscale_ip").GetString());
        Assert.Equal("4711", final.GetProperty("server").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, final.GetProperty("error").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, final.GetProperty("last_heartbeat_at").ValueKind);
        Assert.All(final.GetProperty("steps").EnumerateArray(), s =>
        {
            Assert.NotEqual(JsonValueKind.Null, s.GetProperty("started_at").ValueKind);
            Assert.NotEqual(JsonValueKind.Null, s.GetProperty("completed_at").ValueKind);
        });
        Assert.Equal(6, await CallbackRowsAsync(job));

        // Running: no longer in flight, but polled slowly for the agent's health.
        var (response, _) = await _runner.GetJobAsync(job);
        Assert.Equal(TimeSpan.FromSeconds(Provisioner.Functions.Status.StatusDocumentResult.HealthPollSeconds), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Webhook_FailureSequence_ShowsTheErrorOnTheFailedStep()
    {
        var job = await _runner.NewJobAsync();
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"55\"")));
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"")));
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"step\":\"ansible_started\"")));
        await AssertOkAsync(await _runner.SendLegacyAsync(Body(job, "\"status\":\"failed\",\"error\":\"apt-get failed: no space left\",\"failed_step\":\"configure_full\",\"step\":\"configure_full\",\"server_id\":\"9\"")));

        var document = await StatusAsync(job);
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal("completed completed completed error pending", States(document));
        Assert.Equal("apt-get failed: no space left", document.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("configure_full", document.GetProperty("error").GetProperty("failed_step").GetString());
        Assert.Equal("configuring", document.GetProperty("error").GetProperty("step_id").GetString());
        Assert.Equal("workflow", document.GetProperty("error").GetProperty("reason").GetString());

        // A replayed success after the failure changes nothing.
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"running\",\"server_id\":\"9\",\"server_ip\":\"203.0.113.9\",\"tailscale_ip\":\"100.64.0.9\"")));
        Assert.Equal("failed", (await StatusAsync(job)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Webhook_UnsignedOrBadlySigned_Is401AndChangesNothing()
    {
        var job = await _runner.NewJobAsync();
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"1\"")));
        var (before, beforeBody) = await _runner.GetJobAsync(job);
        var rowsBefore = await CallbackRowsAsync(job);

        var body = Body(job, "\"status\":\"failed\",\"error\":\"forged\",\"failed_step\":\"provision\"");
        var bytes = Encoding.UTF8.GetBytes(body);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var old = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var attempts = new[]
        {
            await _runner.SendRawAsync(bytes),
            await _runner.SendLegacyAsync(body, secret: "wrong-secret"),
            await _runner.SendRawAsync(bytes, ("X-Signature", Signing.Legacy(Runner.Secret, Encoding.UTF8.GetBytes(body + " ")))),
            await _runner.SendRawAsync(bytes, ("X-Signature", Signing.Legacy(Runner.Secret, bytes)[..60])),
            await _runner.SendRawAsync(bytes, ("webhook-id", "m1"), ("webhook-timestamp", ts), ("webhook-signature", Signing.StandardWebhooks("wrong", "m1", ts, bytes))),
            await _runner.SendRawAsync(bytes, ("webhook-id", "m2"), ("webhook-timestamp", old), ("webhook-signature", Signing.StandardWebhooks(Runner.Secret, "m2", old, bytes))),
            await _runner.SendRawAsync(bytes, ("webhook-id", "m3"), ("webhook-timestamp", ts)),
        };

        foreach (var response in attempts)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await Runner.ReadJsonAsync(response);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }

        var (after, afterBody) = await _runner.GetJobAsync(job);
        Assert.Equal(before.Headers.ETag, after.Headers.ETag);
        Assert.Equal(beforeBody.GetRawText(), afterBody.GetRawText());
        Assert.Equal(rowsBefore, await CallbackRowsAsync(job));
    }

    [Fact]
    public async Task Webhook_ReplayedWebhookId_IsAcknowledgedAndAppliedOnce()
    {
        var job = await _runner.NewJobAsync();
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"2\"")));
        var heartbeat = Body(job, "\"type\":\"heartbeat\"");
        await AssertOkAsync(await _runner.SendStandardAsync(heartbeat, webhookId: "msg_hb_1"));
        var first = (await StatusAsync(job)).GetProperty("last_heartbeat_at").GetString();
        await Task.Delay(20);

        await AssertOkAsync(await _runner.SendStandardAsync(heartbeat, webhookId: "msg_hb_1"));
        Assert.Equal(first, (await StatusAsync(job)).GetProperty("last_heartbeat_at").GetString());
        Assert.Equal(2, await CallbackRowsAsync(job));

        await AssertOkAsync(await _runner.SendStandardAsync(heartbeat, webhookId: "msg_hb_2"));
        Assert.Equal(3, await CallbackRowsAsync(job));
    }

    [Fact]
    public async Task Webhook_LegacyResendOfTheSameBody_IsStoredOnce()
    {
        var job = await _runner.NewJobAsync();
        var body = Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        await AssertOkAsync(await _runner.SendLegacyAsync(body));
        await AssertOkAsync(await _runner.SendLegacyAsync(body));
        Assert.Equal(1, await CallbackRowsAsync(job));
    }

    [Fact]
    public async Task Webhook_FiftyConcurrentShuffledCallbacks_EndInTheRightProjectionWithEachRowOnce()
    {
        var job = await _runner.NewJobAsync();
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"77\"")));

        var callbacks = new List<(string Id, string Body)>
        {
            ("s1", Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"")),
            ("s2", Body(job, "\"status\":\"provisioning\",\"step\":\"ansible_started\"")),
            ("s3", Body(job, "\"status\":\"provisioning\",\"step\":\"ansible_complete\"")),
            ("s4", Body(job, "\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"")),
        };
        for (var i = 0; i < 36; i++)
        {
            callbacks.Add(($"hb{i}", Body(job, "\"type\":\"heartbeat\"")));
        }

        var random = new Random(42);
        var sends = callbacks.Concat(callbacks.OrderBy(_ => random.Next()).Take(10)).OrderBy(_ => random.Next()).ToList();
        Assert.Equal(50, sends.Count);

        var responses = await Task.WhenAll(sends.Select(c => _runner.SendStandardAsync(c.Body, webhookId: $"{job}-{c.Id}")));
        foreach (var response in responses)
        {
            await AssertOkAsync(response);
        }

        var document = await StatusAsync(job);
        Assert.Equal("running", document.GetProperty("status").GetString());
        Assert.Equal("completed completed completed completed completed", States(document));
        Assert.Equal("203.0.113.1", document.GetProperty("server").GetProperty("ip").GetString());
        Assert.Equal(1 + callbacks.Count, await CallbackRowsAsync(job));
    }

    [Fact]
    public async Task Webhook_ClaimBySecondRun_Is409AndStoresNothing()
    {
        var job = await _runner.NewJobAsync();
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"100\"")));
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"100\"")));

        var refused = await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"101\""));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("100", (await Runner.ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("100", (await StatusAsync(job)).GetProperty("workflow_run_id").GetString());
        Assert.Equal(2, await CallbackRowsAsync(job));
    }

    [Fact]
    public async Task Webhook_UnknownJob_Is404()
    {
        var response = await _runner.SendLegacyAsync(Body(Guid.NewGuid(), "\"status\":\"provisioning\",\"workflow_run_id\":\"1\""));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"status\":\"provisioning\"}")]
    [InlineData("{\"job_id\":\"nope\",\"status\":\"provisioning\"}")]
    [InlineData("{\"job_id\":\"JOB\",\"status\":\"exploded\"}")]
    [InlineData("{\"job_id\":\"JOB\"}")]
    [InlineData("{\"job_id\":\"JOB\",\"status\":\"provisioning\",\"step\":\"vm_exploded\"}")]
    [InlineData("{\"job_id\":\"JOB\",\"status\":\"provisioning\",\"workflow_run_id\":{\"a\":1}}")]
    [InlineData("{\"job_id\":\"JOB\",\"status\":\"running\",\"server_ip\":[1]}")]
    [InlineData("{\"job_id\":\"JOB\",\"job_id\":\"JOB\",\"status\":\"running\"}")]
    public async Task Webhook_SignedButMalformed_Is400AndChangesNothing(string template)
    {
        var job = await _runner.NewJobAsync();
        var (_, before) = await _runner.GetJobAsync(job);
        var response = await _runner.SendLegacyAsync(template.Replace("JOB", job.ToString(), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before.GetRawText(), (await _runner.GetJobAsync(job)).Body.GetRawText());
        Assert.Equal(0, await CallbackRowsAsync(job));
    }

    [Theory]
    [InlineData("\"server_id\":\"4711\"", "server_ip")]
    [InlineData("\"server_id\":\"4711\",\"server_ip\":\"not-an-ip\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip")]
    [InlineData("\"server_id\":\"4711\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"<script>\"", "tailscale_ip")]
    [InlineData("\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"", "server_id")]
    public async Task Webhook_RunningWithoutAValidServer_Is400NamingTheFieldAndChangesNothing(string serverFields, string field)
    {
        var job = await _runner.NewJobAsync();
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"77\"")));
        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"step\":\"ansible_complete\"")));
        var (_, before) = await _runner.GetJobAsync(job);
        var rowsBefore = await CallbackRowsAsync(job);

        var response = await _runner.SendLegacyAsync(Body(job, $"\"status\":\"running\",{serverFields}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(field + " ", (await Runner.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var after = await StatusAsync(job);
        Assert.Equal(before.GetRawText(), after.GetRawText());
        Assert.Equal("provisioning", after.GetProperty("status").GetString());
        Assert.Equal(rowsBefore, await CallbackRowsAsync(job));
    }

    [Fact]
    public async Task Webhook_FailureWithMalformedServerFields_IsRecordedWithoutThem()
    {
        var job = await _runner.NewJobAsync();
        await AssertOkAsync(await _runner.SendLegacyAsync(Body(job, "\"status\":\"failed\",\"error\":\"no capacity\",\"failed_step\":\"provision\",\"server_id\":\"12\",\"server_ip\":\"not-an-ip\",\"tailscale_ip\":\"<script>\"")));

        var document = await StatusAsync(job);
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal("12", document.GetProperty("server").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("server").GetProperty("ip").ValueKind);
        Assert.Equal(JsonValueKind.Null, document.GetProperty("server").GetProperty("tailscale_ip").ValueKind);
    }

    [Fact]
    public async Task Webhook_BodyOver64KiB_Is413BeforeAnythingElse()
    {
        var job = await _runner.NewJobAsync();
        var body = Body(job, $"\"status\":\"failed\",\"error\":\"{new string('x', 64 * 1024)}\"");
        var response = await _runner.SendLegacyAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("queued", (await StatusAsync(job)).GetProperty("status").GetString());

        // Just under the cap is fine, and a long error is kept (truncated for display).
        var fits = Body(job, $"\"status\":\"failed\",\"error\":\"{new string('y', 60 * 1024)}\"");
        await AssertOkAsync(await _runner.SendLegacyAsync(fits));
        Assert.Equal("failed", (await StatusAsync(job)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Status_IfNoneMatch_Gives304UntilTheJobChanges()
    {
        var job = await _runner.NewJobAsync();
        var (first, _) = await _runner.GetJobAsync(job);
        Assert.NotNull(first.Headers.ETag);
        Assert.Equal("2", first.Headers.RetryAfter?.ToString());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job}");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var notModified = await _runner.Client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(first.Headers.ETag, notModified.Headers.ETag);

        await AssertOkAsync(await _runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"5\"")));
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job}");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var changed = await _runner.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(first.Headers.ETag, changed.Headers.ETag);
    }

    [Theory]
    [InlineData("/api/jobs/00000000-0000-0000-0000-000000000001")]
    [InlineData("/api/jobs/not-a-guid")]
    [InlineData("/api/agents/nobody-here/provisioning")]
    public async Task Status_Unknown_Is404ProblemDocument(string path)
    {
        var response = await _runner.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Status_ForAgent_IsItsNewestJob()
    {
        var agent = Runner.NewAgentId();
        var first = await _runner.NewJobAsync(agent);
        await AssertOkAsync(await _runner.SendStandardAsync(Body(first, "\"status\":\"failed\",\"error\":\"x\",\"failed_step\":\"provision\"")));
        var second = await _runner.NewJobAsync(agent);

        var response = await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(second, (await Runner.ReadJsonAsync(response)).GetProperty("job_id").GetGuid());
        Assert.NotNull(response.Headers.ETag);
    }
}
