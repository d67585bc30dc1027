using System.Text.Json;
using Provisioner.Functions.Storage;
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
    [InlineData("Health", "get", "health")]
    [InlineData("ListJobs", "get", "jobs")]
    [InlineData("ListAgentJobs", "get", "agents/{agentId}/jobs")]
    [InlineData("CancelJob", "post", "jobs/{jobId}/cancel")]
    [InlineData("RetryJob", "post", "jobs/{jobId}/retry")]
    [InlineData("RemoveAgentServer", "delete", "agents/{agentId}/server")]
    [InlineData("ChangeServerLifetime", "patch", "agents/{agentId}/server")]
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
    [InlineData("DeliverNotification", "notifications")]
    [InlineData("DeadLetterPoisonedNotification", "notifications-poison")]
    [InlineData("CancelRun", "cancel-runs")]
    [InlineData("RecordPoisonedCancel", "cancel-runs-poison")]
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
    public async Task Runner_DrivesExactlyTheQueueAndTimerTriggersTheMetadataLists()
    {
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        await using var runner = await Runner.StartAsync(azurite, Runner.BackgroundFunctionsOff.ToDictionary(kv => kv.Key, _ => (string?)"false"));

        // The host binds what functions.metadata lists; a queue trigger without "connection" uses AzureWebJobsStorage.
        var expected = Functions()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray()
                .Where(b => b.GetProperty("type").GetString() is "queueTrigger" or "timerTrigger")
                .Select(b => new Provisioner.LocalRunner.DrivenTrigger(
                    f.GetProperty("name").GetString()!,
                    b.GetProperty("type").GetString()!,
                    b.TryGetProperty("queueName", out var queue) ? queue.GetString() : null,
                    b.GetProperty("type").GetString() == "queueTrigger" ? (b.TryGetProperty("connection", out var connection) ? connection.GetString() : "AzureWebJobsStorage") : null,
                    b.TryGetProperty("schedule", out var schedule) ? schedule.GetString() : null)))
            .OrderBy(t => t.Function)
            .ToList();
        var driven = runner.Services.GetRequiredService<IReadOnlyList<Provisioner.LocalRunner.DrivenTrigger>>().OrderBy(t => t.Function).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, driven);
    }

    [Fact]
    public void QueueSettings_AreReadFromHostJson_AndTheHostsOverrideSettings()
    {
        var hostJson = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!;
        var queues = hostJson["extensions"]!["queues"]!;
        var empty = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var settings = QueueHostSettings.From(hostJson, empty);
        Assert.Equal((int)queues["batchSize"]!, settings.BatchSize);
        Assert.Equal((int)queues["maxDequeueCount"]!, settings.MaxDequeueCount);
        Assert.Equal(TimeSpan.Parse((string)queues["visibilityTimeout"]!, System.Globalization.CultureInfo.InvariantCulture), settings.VisibilityTimeout);
        Assert.Equal((string)queues["messageEncoding"]!, settings.MessageEncoding.ToString(), StringComparer.OrdinalIgnoreCase);

        var overridden = QueueHostSettings.From(hostJson, new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2" }).Build());
        Assert.Equal(2, overridden.MaxDequeueCount);
    }

    [Fact]
    public void QueueSettings_TheWorkersOwnHostJson_IsTheRepositorysHostJson()
    {
        // On the Functions host the app reads host.json from beside its assembly; the build must put the repository's there.
        var output = Path.Combine(RepositoryRoot.Path, "functions", "Provisioner.Functions", "bin", RepositoryRoot.Configuration, "net10.0");
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")), File.ReadAllText(Path.Combine(output, "host.json")));
        var empty = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        Assert.Equal(QueueHostSettings.Load(RepositoryRoot.Path, empty), QueueHostSettings.Load(output, empty));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("base64")]
    public async Task QueueMessages_AreWrittenAndReadInHostJsonsEncoding(string encoding)
    {
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:queues:messageEncoding"] = encoding,
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            ["SIMULATOR_STEP_DELAY_MS"] = "50",
        });
        var job = await runner.NewJobAsync();

        var raw = new Azure.Storage.Queues.QueueClient(runner.StorageConnectionString, "provisioning-jobs"); // no decoding: the bytes as stored
        var text = Assert.Single((await raw.PeekMessagesAsync(32)).Value).MessageText;
        var json = encoding == "none" ? text : System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(text));
        Assert.Equal(job, JsonDocument.Parse(json).RootElement.GetProperty("job_id").GetGuid());

        // The same setting decodes it: the runner's queue trigger dispatches the job (to the simulated workflow).
        var dispatchOn = new Dictionary<string, string?> { ["AzureWebJobs.DispatchJob.Disabled"] = "false" };
        await runner.DisposeAsync();
        await using var consuming = await Runner.StartAsync(azurite, new Dictionary<string, string?>(dispatchOn)
        {
            ["AzureFunctionsJobHost:extensions:queues:messageEncoding"] = encoding,
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            ["SIMULATOR_STEP_DELAY_MS"] = "50",
        });
        await Eventually.WaitAsync(async () => (await consuming.GetJobAsync(job)).Body.GetProperty("status").GetString(), status => status == "running", what: "the job dispatched and run");
    }

    [Fact]
    public void HostJson_RoutePrefix_IsApi()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json"))).RootElement;
        Assert.Equal("api", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }
}
