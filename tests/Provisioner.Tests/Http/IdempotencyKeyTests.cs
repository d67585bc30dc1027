using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Identity;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>
/// Idempotency-Key over HTTP against Azurite (docs/api.md): a key is the person's own, and stands
/// for its first request 24 hours, on a fake clock; the hourly timer deletes the older ones.
/// Its own Azurite: the clean-up on a clock a day ahead would delete other tests' keys.
/// </summary>
public sealed class IdempotencyKeyTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> CreateAsync(Runner runner, string agent, string key, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(new { agent_id = agent, region = "eu-central" }) };
        request.Headers.Add("Idempotency-Key", key);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await runner.Client.SendAsync(request);
        return (response.StatusCode, await Runner.ReadJsonAsync(response));
    }

    private static Guid JobId(JsonElement body) => body.GetProperty("job_id").GetGuid();

    [Fact]
    public async Task SameKeyFromAnotherPerson_IsAnotherKey_FromTheSamePersonTheSameJob()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var runner = await EntraRunner.StartAsync(_azurite, issuer);
        var ada = issuer.PersonToken(EntraRunner.Audience, [AppRoles.Operator], objectId: "oid-ada");
        var bob = issuer.PersonToken(EntraRunner.Audience, [AppRoles.Operator], objectId: "oid-bob");
        var key = Guid.NewGuid().ToString();
        var (adaAgent, bobAgent) = (Runner.NewAgentId(), Runner.NewAgentId());

        var first = await CreateAsync(runner, adaAgent, key, ada);
        var other = await CreateAsync(runner, bobAgent, key, bob); // was 422: the key was global
        var again = await CreateAsync(runner, adaAgent, key, issuer.PersonToken(EntraRunner.Audience, [AppRoles.Operator], objectId: "oid-ada"));

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, other.Status);
        Assert.NotEqual(JobId(first.Body), JobId(other.Body));
        Assert.Equal(HttpStatusCode.Accepted, again.Status);
        Assert.Equal(JobId(first.Body), JobId(again.Body));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CreateAsync(runner, Runner.NewAgentId(), key, bob)).Status); // Bob's key is Bob's
    }

    [Fact]
    public async Task KeyOlderThan24Hours_IsNew_AndTheTimerRemovesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var runner = await Runner.StartAsync(_azurite, null, time);
        var key = Guid.NewGuid().ToString();
        var young = Guid.NewGuid().ToString();
        var first = await CreateAsync(runner, Runner.NewAgentId(), key);
        Assert.Equal(HttpStatusCode.Accepted, first.Status);

        time.Advance(TimeSpan.FromHours(23));
        var second = await CreateAsync(runner, Runner.NewAgentId(), key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.Status); // still the first request's
        var youngJob = JobId((await CreateAsync(runner, Runner.NewAgentId(), young)).Body);

        time.Advance(TimeSpan.FromHours(1));
        var agent = Runner.NewAgentId();
        var renewed = await CreateAsync(runner, agent, key); // 24 hours on: a new key
        Assert.Equal(HttpStatusCode.Accepted, renewed.Status);
        Assert.NotEqual(JobId(first.Body), JobId(renewed.Body));
        Assert.Equal(JobId(renewed.Body), JobId((await CreateAsync(runner, agent, key)).Body)); // and it stands for its new request

        // The clean-up, a day after the renewed key: the key of the first hour is gone, the one of hour 23 kept.
        var keys = runner.Services.GetRequiredService<IdempotencyKeys>();
        var table = runner.Services.GetRequiredService<StorageClients>().Idempotency;
        time.Advance(TimeSpan.FromHours(23).Add(TimeSpan.FromMinutes(30)));
        Assert.Equal(1, await keys.RemoveExpiredAsync(CancellationToken.None)); // young: 24 h 30 min old
        Assert.Empty(await table.QueryAsync<TableEntity>(filter: TableClient.CreateQueryFilter($"JobId eq {youngJob}")).ToListAsync());
        Assert.Single(await table.QueryAsync<TableEntity>(filter: TableClient.CreateQueryFilter($"JobId eq {JobId(renewed.Body)}")).ToListAsync());
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await keys.RemoveExpiredAsync(CancellationToken.None));
        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
    }
}
