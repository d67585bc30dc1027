using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests;

/// <summary>
/// The Functions SDK writes functions.metadata at build time; the Functions host binds exactly
/// what it lists. These are the contract's routes, so the host serves what the runner serves.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static JsonElement[] Functions()
    {
        var configuration = RepositoryRoot.Configuration;
        var path = Path.Combine(RepositoryRoot.Path, "functions", "Provisioner.Functions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} exists (built with the Functions SDK)");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateArray().ToArray();
    }

    [Theory]
    [InlineData("CreateJob", "post", "jobs")]
    [InlineData("GetJobStatus", "get", "jobs/{jobId}")]
    [InlineData("GetAgentProvisioning", "get", "agents/{agentId}/provisioning")]
    [InlineData("ReceiveCallback", "post", "webhooks/github")]
    public void Metadata_ListsTheHttpFunctionWithTheContractRoute(string name, string method, string route)
    {
        var function = Assert.Single(Functions(), f => f.GetProperty("name").GetString() == name);
        var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public async Task Runner_ServesExactlyTheHttpFunctionsTheMetadataLists()
    {
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        await using var runner = await Runner.StartAsync(azurite);

        var expected = Functions()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray()
                .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
                .Select(b => $"{f.GetProperty("name").GetString()} {string.Join(',', b.GetProperty("methods").EnumerateArray().Select(m => m.GetString()))} api/{b.GetProperty("route").GetString()}"))
            .Order();
        var served = runner.Endpoints().Select(e => $"{e.Name} {string.Join(',', e.Methods)} {e.Route}").Order();
        Assert.Equal(expected, served);
    }

    [Theory]
    [InlineData("DispatchJob", "provisioning-jobs")]
    [InlineData("FailPoisonedDispatch", "provisioning-jobs-poison")]
    public void Metadata_ListsTheQueueFunctions(string name, string queue)
    {
        var function = Assert.Single(Functions(), f => f.GetProperty("name").GetString() == name);
        var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "queueTrigger");
        Assert.Equal(queue, trigger.GetProperty("queueName").GetString());
    }

    [Fact]
    public void Metadata_ListsTheTimeOutTimerEveryMinute()
    {
        var function = Assert.Single(Functions(), f => f.GetProperty("name").GetString() == "FailStuckJobs");
        var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "timerTrigger");
        var schedule = NCrontab.CrontabSchedule.Parse(trigger.GetProperty("schedule").GetString()!, new NCrontab.CrontabSchedule.ParseOptions { IncludingSeconds = true });
        var start = new DateTime(2026, 1, 1, 0, 0, 30, DateTimeKind.Utc);
        Assert.Equal(start.AddSeconds(30), schedule.GetNextOccurrence(start));
    }

    [Fact]
    public void QueueSettings_AreReadFromHostJson_AndTheHostsOverrideSettings()
    {
        var hostJson = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!;
        var queues = hostJson["extensions"]!["queues"]!;
        var empty = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var settings = Provisioner.LocalRunner.QueueSettings.From(hostJson, empty);
        Assert.Equal((int)queues["batchSize"]!, settings.BatchSize);
        Assert.Equal((int)queues["maxDequeueCount"]!, settings.MaxDequeueCount);
        Assert.Equal(TimeSpan.Parse((string)queues["visibilityTimeout"]!, System.Globalization.CultureInfo.InvariantCulture), settings.VisibilityTimeout);

        var overridden = Provisioner.LocalRunner.QueueSettings.From(hostJson, new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2" }).Build());
        Assert.Equal(2, overridden.MaxDequeueCount);
    }

    [Fact]
    public void HostJson_RoutePrefix_IsApi()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json"))).RootElement;
        Assert.Equal("api", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }
}
