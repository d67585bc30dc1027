using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Cost;

/// <summary>
/// The cost of a server end to end, against Azurite on fake time (docs/cost.md): the price a
/// vm_created callback carries, the document's and the lists' cost so far as hours start, the
/// final cost once a deprovision job removed the server, and a malformed price dropped without
/// failing the callback.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class CostTests(Azurite azurite) : IAsyncLifetime
{
    private const string Price = """{"hourly_net":"0.0104000000","hourly_gross":"0.0123760000000000","monthly_net":"6.4900000000","monthly_gross":"7.7231000000000000","currency":"EUR"}""";
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite, null, _time);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private async Task CallbackAsync(string body) => Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync(body)).StatusCode);

    private async Task<JsonElement> CostOfAsync(Guid job) => (await _runner.GetJobAsync(job)).Body.GetProperty("cost");

    [Fact]
    public async Task CostSoFar_GrowsPerStartedHour_AndIsFinalOnceADeprovisionJobRemovedTheServer()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"901\"}}");
        Assert.Equal(JsonValueKind.Null, (await CostOfAsync(job)).ValueKind); // no server yet

        await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\",\"server_type\":\"cx33\",\"location\":\"fsn1\",\"price\":{Price}}}");
        await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"9001\",\"server_ip\":\"203.0.113.90\",\"tailscale_ip\":\"100.64.0.90\"}}");
        var cost = await CostOfAsync(job);
        Assert.Equal("EUR", cost.GetProperty("currency").GetString());
        Assert.Equal("0.012376", cost.GetProperty("hourly_gross").GetString());
        Assert.Equal(Start, cost.GetProperty("since").GetDateTimeOffset());
        Assert.Equal("0.012376", cost.GetProperty("so_far_gross").GetString()); // the first hour has started
        Assert.Equal(JsonValueKind.Null, cost.GetProperty("final_gross").ValueKind);

        _time.Advance(TimeSpan.FromMinutes(150));
        Assert.Equal("0.037128", (await CostOfAsync(job)).GetProperty("so_far_gross").GetString()); // 3 started hours
        var listed = (await _runner.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative))).GetProperty("jobs")[0];
        Assert.Equal("0.037128", listed.GetProperty("cost").GetProperty("so_far_gross").GetString());

        using var removing = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, removing.StatusCode);
        var tearDown = (await Runner.ReadJsonAsync(removing)).GetProperty("job_id").GetGuid();
        Assert.Equal(JsonValueKind.Null, (await CostOfAsync(tearDown)).ValueKind);
        await CallbackAsync($"{{\"job_id\":\"{tearDown}\",\"status\":\"provisioning\",\"workflow_run_id\":\"902\"}}");
        _time.Advance(TimeSpan.FromMinutes(20)); // removed 2 h 50 min after it was created
        await CallbackAsync($"{{\"job_id\":\"{tearDown}\",\"status\":\"running\",\"server_id\":\"9001\"}}");

        _time.Advance(TimeSpan.FromDays(2));
        cost = await CostOfAsync(job);
        Assert.Equal("0.037128", cost.GetProperty("final_gross").GetString());
        Assert.Equal("0.037128", cost.GetProperty("so_far_gross").GetString()); // no longer grows
    }

    [Fact]
    public async Task AMalformedPrice_IsDropped_TheCallbackStillCounts()
    {
        var job = await _runner.NewJobAsync();
        await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"911\"}}");
        await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\",\"server_type\":\"cx33\",\"location\":\"fsn1\",\"price\":{{\"hourly_net\":0.01,\"currency\":\"EUR\"}}}}");

        var document = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("vm_created", document.GetProperty("current_step").GetString());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("cost").ValueKind);

        // A later vm_created with a good price (a retried callback) fills it in: facts only accumulate.
        await CallbackAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\",\"price\":{Price}}}");
        Assert.Equal("0.012376", (await CostOfAsync(job)).GetProperty("hourly_gross").GetString());
    }
}
