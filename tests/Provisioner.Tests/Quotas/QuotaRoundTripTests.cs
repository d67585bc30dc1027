using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Quotas;

/// <summary>
/// What the quota check costs a create (docs/quotas.md, "Cost"): one conditional write of the
/// counter once this instance knows the row, counted at the app's storage client; and a row another
/// instance changed meanwhile is read again, so the count stays exact and nobody is refused for a
/// count that is out of date.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class QuotaRoundTripTests(Azurite azurite)
{
    private static async Task<HttpResponseMessage> CreateAsync(Runner runner) =>
        await runner.Client.PostAsync(
            new Uri("/api/jobs", UriKind.Relative),
            new StringContent($"{{\"agent_id\":\"{Runner.NewAgentId()}\",\"region\":\"eu-central\"}}", Encoding.UTF8, "application/json"));

    [Fact]
    public async Task AKnownCounter_CostsACreateOneWrite_AndAnotherInstancesChange_IsReadAgain()
    {
        var counter = new StorageRequestCounter();
        var settings = new Dictionary<string, string?> { ["QUOTA_SERVERS_PER_PERSON"] = "3", ["AzureWebJobs.DispatchJob.Disabled"] = "true" };
        await using var one = await Runner.StartAsync(azurite, settings, services: s => s.AddSingleton(counter));
        await using var other = await Runner.StartAsync(azurite, settings);
        await one.Table("quotas").DeleteEntityAsync("anonymous", "counter"); // without sign-in: one shared bucket, empty for this test

        using (var first = await CreateAsync(one))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode); // reads the counter (none yet) and adds it
        }

        counter.Reset();
        using (var second = await CreateAsync(one))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }

        var quotaRequests = counter.ByRequest.Where(p => p.Key.EndsWith(" quotas", StringComparison.Ordinal)).ToDictionary();
        Assert.True(
            quotaRequests.Values.Sum() == 1 && quotaRequests.ContainsKey("PUT quotas"),
            "a create with a known counter: " + string.Join(", ", quotaRequests.Select(p => $"{p.Key}: {p.Value}")) + ", want PUT quotas: 1");

        // The other instance takes the third server; this one's memory of the row is out of date now.
        using (var third = await CreateAsync(other))
        {
            Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        }

        // Its write fails on the ETag, it reads the row again, and refuses: 3 of 3, not 2 of 3.
        counter.Reset();
        using (var fourth = await CreateAsync(one))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        }

        Assert.True(counter.ByRequest.GetValueOrDefault("GET quotas") >= 1, "the refusal was decided on the stored row");
    }
}
