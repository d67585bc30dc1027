using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Audit;
using Provisioner.Tests.Identity;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Audit;

/// <summary>
/// The audit log against Azurite (docs/audit.md): each change and each refusal leaves one entry
/// naming the person, GET /api/audit filters and pages it for Operators only, and the retention
/// timer deletes old entries on fake time.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class AuditLogTests(Azurite azurite) : IAsyncLifetime
{
    private TestIssuer _issuer = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _runner = await EntraRunner.StartAsync(azurite, _issuer, new Dictionary<string, string?> { ["QUOTA_SERVERS_PER_PERSON"] = "1" });
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private string Token(string oid, string[] roles, string name = "Test Person") => _issuer.PersonToken(EntraRunner.Audience, roles, objectId: oid, name: name);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _runner.Client.SendAsync(request);
    }

    private async Task<Guid> CreateAsync(string token, string agent)
    {
        using var created = await _runner.CreateAsync(token, agent);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        return (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
    }

    private async Task RunningAsync(Guid job, int n)
    {
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"{8800 + n}\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"{8800 + n}\",\"server_ip\":\"203.0.113.{n}\",\"tailscale_ip\":\"100.64.0.{n}\"}}")).StatusCode);
    }

    /// <summary>
    /// The log once it holds <paramref name="entries"/> entries for <paramref name="query"/>: a change's
    /// entry is stored with the change and copied into the log just after the answer (docs/audit.md).
    /// </summary>
    private async Task<(JsonElement[] Entries, string? Continuation)> AuditAsync(string query, int entries) =>
        await Eventually.WaitAsync(() => AuditAsync(query), page => page.Entries.Length >= entries || page.Continuation is not null, TimeSpan.FromSeconds(10), $"{entries} entries for {query}");

    private async Task<(JsonElement[] Entries, string? Continuation)> AuditAsync(string query)
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/audit?" + query, Token(Guid.NewGuid().ToString("D"), EntraRunner.Operator));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Runner.ReadJsonAsync(response);
        return ([.. body.GetProperty("entries").EnumerateArray()], body.GetProperty("continuation").GetString());
    }

    [Fact]
    public async Task ACreateCancelTeardownAndExtend_EachLeaveAnEntry_NamingThePerson_NewestFirst()
    {
        var oid = Guid.NewGuid().ToString("D");
        var other = Guid.NewGuid().ToString("D");
        var token = Token(oid, EntraRunner.Operator, "Ada Operator");
        var agent = Runner.NewAgentId();
        var job = await CreateAsync(token, agent);
        await RunningAsync(job, 41);
        using (var extended = await SendAsync(HttpMethod.Patch, $"/api/agents/{agent}/server", token, "{\"ttl_minutes\":120}"))
        {
            Assert.Equal(HttpStatusCode.OK, extended.StatusCode);
        }

        using (var removed = await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", token))
        {
            Assert.Equal(HttpStatusCode.Accepted, removed.StatusCode);
        }

        // Another person's job, cancelled by this one: the entry is under who cancelled.
        var second = Runner.NewAgentId();
        var queued = await CreateAsync(Token(other, EntraRunner.Operator), second);
        using (var cancelled = await SendAsync(HttpMethod.Post, $"/api/jobs/{queued}/cancel", token))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        }

        var (entries, _) = await AuditAsync($"actor={oid}", 4);
        Assert.Equal(["job.cancel", "server.delete", "server.extend", "job.create"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal(oid, e.GetProperty("actor").GetProperty("oid").GetString()));
        Assert.All(entries, e => Assert.Equal("Ada Operator", e.GetProperty("actor").GetProperty("name").GetString()));
        var times = entries.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToArray();
        Assert.Equal(times.OrderDescending(), times);

        var create = entries[3];
        Assert.Equal(agent, create.GetProperty("agent_id").GetString());
        Assert.Equal(job, create.GetProperty("job_id").GetGuid());
        Assert.Equal($"job/{job}", create.GetProperty("target").GetString());
        Assert.Equal(202, create.GetProperty("status_code").GetInt32());
        Assert.Equal("accepted", create.GetProperty("outcome").GetString());
        Assert.Equal(200, entries[2].GetProperty("status_code").GetInt32());
        Assert.Equal($"agent/{agent}", entries[1].GetProperty("target").GetString());
        Assert.Equal(queued, entries[0].GetProperty("job_id").GetGuid());
        Assert.Equal(second, entries[0].GetProperty("agent_id").GetString());

        // By agent: both people's entries about it; by action: only that action.
        var (forSecond, _) = await AuditAsync($"agent_id={second}", 2);
        Assert.Equal([("job.cancel", oid), ("job.create", other)], forSecond.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actor").GetProperty("oid").GetString())));
        var (creates, _) = await AuditAsync($"actor={oid}&action=job.create", 1);
        Assert.Equal(job, Assert.Single(creates).GetProperty("job_id").GetGuid());
        var (agentCreates, _) = await AuditAsync($"agent_id={agent}&action=server.delete", 1);
        Assert.Equal(202, Assert.Single(agentCreates).GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Refusals401_403_409_429_EachLeaveAnEntry()
    {
        var agent = Runner.NewAgentId();

        // 401: no token; nobody is named.
        using (var noToken = await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        }

        // 403: a Reader's valid token is named.
        var reader = Guid.NewGuid().ToString("D");
        using (var forbidden = await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", Token(reader, EntraRunner.Reader)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        // 409: a tear down while the agent's job is in flight.
        var oid = Guid.NewGuid().ToString("D");
        var token = Token(oid, EntraRunner.Operator);
        await CreateAsync(token, agent);
        using (var busy = await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", token))
        {
            Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        }

        // 429: a second server over QUOTA_SERVERS_PER_PERSON=1.
        using (var over = await _runner.CreateAsync(token, Runner.NewAgentId()))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        }

        var (byAgent, _) = await AuditAsync($"agent_id={agent}", 4);
        Assert.Equal([(409, "conflict"), (202, "accepted"), (403, "forbidden"), (401, "unauthenticated")], byAgent.Select(e => (e.GetProperty("status_code").GetInt32(), e.GetProperty("outcome").GetString())));
        Assert.Equal(JsonValueKind.Null, byAgent[3].GetProperty("actor").ValueKind);
        Assert.Equal(reader, byAgent[2].GetProperty("actor").GetProperty("oid").GetString());
        Assert.Equal("server.delete", byAgent[2].GetProperty("action").GetString());

        var (byPerson, _) = await AuditAsync($"actor={oid}", 3);
        Assert.Equal([(429, "job.create"), (409, "server.delete"), (202, "job.create")], byPerson.Select(e => (e.GetProperty("status_code").GetInt32(), e.GetProperty("action").GetString())));
        Assert.Equal("over_quota", byPerson[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task TheList_PagesWithContinuation_400OnBadLimitOrContinuation_WritingNothing_And403ForAReader()
    {
        var oid = Guid.NewGuid().ToString("D");
        var token = Token(oid, EntraRunner.Operator);
        var agent = Runner.NewAgentId();
        var job = await CreateAsync(token, agent);
        for (var i = 0; i < 4; i++)
        {
            using var refused = await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/retry", token, "{}"); // queued: 409 each time
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        }

        var (all, none) = await AuditAsync($"actor={oid}", 5);
        Assert.Equal(5, all.Length);
        Assert.Null(none);

        var seen = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var (page, next) = await AuditAsync($"actor={oid}&limit=2" + (continuation is null ? "" : "&continuation=" + continuation));
            Assert.InRange(page.Length, 1, 2);
            seen.AddRange(page.Select(e => e.GetRawText()));
            continuation = next;
            pages++;
        }
        while (continuation is not null);
        Assert.Equal(3, pages);
        Assert.Equal(all.Select(e => e.GetRawText()), seen);

        foreach (var bad in (string[])["limit=0", "limit=101", "limit=abc", "continuation=nope", "continuation=" + Convert.ToBase64String(Encoding.ASCII.GetBytes("x")), "limit=1&limit=2"])
        {
            using var response = await SendAsync(HttpMethod.Get, $"/api/audit?actor={oid}&{bad}", token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await Runner.ReadJsonAsync(response)).GetProperty("detail").GetString()!;
            Assert.Contains(bad.StartsWith("limit", StringComparison.Ordinal) ? "limit" : "continuation", detail, StringComparison.Ordinal);
        }

        using (var reader = await SendAsync(HttpMethod.Get, "/api/audit", Token(Guid.NewGuid().ToString("D"), EntraRunner.Reader)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        }

        // Reading and bad queries wrote nothing under this person.
        Assert.Equal(5, (await AuditAsync($"actor={oid}")).Entries.Length);
    }
}

/// <summary>AUDIT_RETENTION_DAYS on fake time: the clean-up deletes every copy of an older entry and keeps the newer.</summary>
[Collection(SharedAzurite.Name)]
public sealed class AuditRetentionTests(Azurite azurite)
{
    [Fact]
    public async Task TheTimer_DeletesEntriesOlderThanTheRetention_AndKeepsTheRest()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2020, 1, 6, 9, 0, 0, TimeSpan.Zero));
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["AUDIT_RETENTION_DAYS"] = "30" }, time);
        var old = Runner.NewAgentId();
        var audit = runner.Table("audit");
        await runner.NewJobAsync(old);
        await CopiedAsync(audit, old); // copied into the log just after the answer
        time.Advance(TimeSpan.FromDays(20));
        var middle = Runner.NewAgentId();
        await runner.NewJobAsync(middle);
        await CopiedAsync(audit, middle);
        Assert.Equal(3, audit.Query<Azure.Data.Tables.TableEntity>(e => e.GetString("AgentId") == old).Count()); // all, actor|- and agent|…: 20 days old, kept
        time.Advance(TimeSpan.FromDays(11)); // old: 31 days, middle: 11 days

        // The runner's timer may fire on the advanced fake clock too; either way the old copies go.
        await runner.Services.GetRequiredService<AuditRetention>().CleanAsync(CancellationToken.None);

        Assert.Empty(audit.Query<Azure.Data.Tables.TableEntity>(e => e.GetString("AgentId") == old).ToList());
        Assert.Empty(audit.Query<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == AuditLog.AgentPartition(old)).ToList());
        Assert.Empty(audit.Query<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == AuditLog.AllPartition && e.GetString("AgentId") == old).ToList());
        using var listed = await runner.Client.GetAsync(new Uri($"/api/audit?agent_id={middle}", UriKind.Relative));
        Assert.Equal("job.create", (await Runner.ReadJsonAsync(listed)).GetProperty("entries")[0].GetProperty("action").GetString());
    }

    private static Task<int> CopiedAsync(Azure.Data.Tables.TableClient audit, string agent) =>
        Eventually.WaitAsync(() => Task.FromResult(audit.Query<Azure.Data.Tables.TableEntity>(e => e.GetString("AgentId") == agent).Count()), n => n == 3, TimeSpan.FromSeconds(10), $"the three copies of {agent}'s entry");
}
