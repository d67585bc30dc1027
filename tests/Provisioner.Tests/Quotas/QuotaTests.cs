using System.Net;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Quotas;

/// <summary>
/// Quotas per person against Azurite (docs/quotas.md): exact under concurrency, 429 with the IETF
/// RateLimit fields, a refused create leaves nothing, and a removed server stops counting.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class QuotaTests(Azurite azurite)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Without sign-in every create counts against one shared bucket; each test starts it empty (the Azurite is shared).</summary>
    private static async Task<Runner> StartAsync(Azurite azurite, string setting, string value, TimeProvider? time = null)
    {
        var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { [setting] = value }, time);
        await runner.Table("quotas").DeleteEntityAsync("anonymous", "counter");
        return runner;
    }

    private static async Task<HttpResponseMessage> CreateAsync(Runner runner, string agent, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent($"{{\"agent_id\":\"{agent}\",\"region\":\"eu-central\"}}", Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await runner.Client.SendAsync(request);
    }

    [Fact]
    public async Task TwentyParallelCreates_AgainstAQuotaOf3_AcceptExactly3_TheRest429WithTheHeaders()
    {
        await using var runner = await StartAsync(azurite, "QUOTA_SERVERS_PER_PERSON", "3");
        var agents = Enumerable.Range(0, 20).Select(_ => Runner.NewAgentId()).ToArray();

        var answers = await Task.WhenAll(agents.Select(agent => CreateAsync(runner, agent)));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(17, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal("\"servers\";q=3", Assert.Single(refused.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal("\"servers\";r=0", Assert.Single(refused.Headers.GetValues("RateLimit")));
        Assert.False(refused.Headers.Contains("Retry-After")); // waiting does not free a server; removing one does
        var problem = await Runner.ReadJsonAsync(refused);
        Assert.Equal("servers", problem.GetProperty("quota").GetString());
        Assert.Contains("QUOTA_SERVERS_PER_PERSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A refused create leaves nothing: no agent claim, no job listed for it.
        for (var i = 0; i < agents.Length; i++)
        {
            if (answers[i].StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.False((await runner.Table("agents").GetEntityIfExistsAsync<TableEntity>(agents[i], "agent")).HasValue);
                var listed = await runner.Client.GetStringAsync(new Uri($"/api/agents/{agents[i]}/jobs", UriKind.Relative));
                Assert.Contains("\"jobs\":[]", listed, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task ARemovedServer_StopsCounting_AndARefusedKeyCanBeUsedAgain()
    {
        await using var runner = await StartAsync(azurite, "QUOTA_SERVERS_PER_PERSON", "1");
        var agent = Runner.NewAgentId();
        var job = await runner.NewJobAsync(agent);
        Assert.Equal(HttpStatusCode.OK, (await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"931\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"9301\",\"server_ip\":\"203.0.113.93\",\"tailscale_ip\":\"100.64.0.93\"}}")).StatusCode);

        var key = Guid.NewGuid().ToString();
        var other = Runner.NewAgentId();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CreateAsync(runner, other, key)).StatusCode); // running: still counts
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CreateAsync(runner, other, key)).StatusCode); // the key was not kept for a refused create

        using var removing = await runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        var tearDown = (await Runner.ReadJsonAsync(removing)).GetProperty("job_id").GetGuid();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CreateAsync(runner, other, key)).StatusCode); // removing, not removed
        Assert.Equal(HttpStatusCode.OK, (await runner.SendLegacyAsync($"{{\"job_id\":\"{tearDown}\",\"status\":\"provisioning\",\"workflow_run_id\":\"932\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await runner.SendLegacyAsync($"{{\"job_id\":\"{tearDown}\",\"status\":\"running\",\"server_id\":\"9301\"}}")).StatusCode);

        using var created = await CreateAsync(runner, other, key);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        using var again = await CreateAsync(runner, other, key); // the same key again: the same job, not a second count
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal((await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid(), (await Runner.ReadJsonAsync(again)).GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task CreatesPerHour_429WithRetryAfter_UntilTheHourHasPassed()
    {
        var time = new FakeTimeProvider(Start);
        await using var runner = await StartAsync(azurite, "QUOTA_CREATES_PER_HOUR_PER_PERSON", "2", time);
        Assert.Equal(HttpStatusCode.Accepted, (await CreateAsync(runner, Runner.NewAgentId())).StatusCode);
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.Accepted, (await CreateAsync(runner, Runner.NewAgentId())).StatusCode);
        time.Advance(TimeSpan.FromMinutes(10));

        using var refused = await CreateAsync(runner, Runner.NewAgentId());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1800", Assert.Single(refused.Headers.GetValues("Retry-After")));
        Assert.Equal("\"creates\";q=2;w=3600", Assert.Single(refused.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal("\"creates\";r=0;t=1800", Assert.Single(refused.Headers.GetValues("RateLimit")));

        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.Accepted, (await CreateAsync(runner, Runner.NewAgentId())).StatusCode);
    }
}
