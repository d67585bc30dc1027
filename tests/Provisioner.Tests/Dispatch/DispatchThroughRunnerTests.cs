using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Dispatch;

/// <summary>
/// The queue-triggered dispatch as the runner drives it (host.json semantics, shortened by the
/// host's own AzureFunctionsJobHost__ overrides), against Azurite and a fake GitHub. Each test
/// has its own Azurite: a dispatching runner would otherwise take other tests' messages.
/// </summary>
public sealed class DispatchThroughRunnerTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private FakeGitHub _github => _setup.GitHub;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartAsync(new Dictionary<string, string?>
    {
        ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "false",
        ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "3",
        ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.100",
    });

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    private async Task<JsonElement> StatusAsync(Guid job) => (await _runner.GetJobAsync(job)).Body;

    private Task<JsonElement> WaitForStatusAsync(Guid job, string status) =>
        Eventually.WaitAsync(() => StatusAsync(job), d => d.GetProperty("status").GetString() == status, what: $"job {job} {status}");

    [Fact]
    public async Task Create_IsDispatchedWithTheJobsInputsAndRecorded()
    {
        _github.Then(200, "{\"workflow_run_id\": 4242, \"html_url\": \"https://github.com/octo/infra/actions/runs/4242\"}");
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        await _github.WaitForRequestsAsync(1);

        var request = Assert.Single(_github.Requests);
        Assert.Equal("Bearer ghp_runner_token", request.Authorization);
        var inputs = JsonDocument.Parse(request.Body).RootElement.GetProperty("inputs");
        Assert.Equal(job.ToString(), inputs.GetProperty("job_id").GetString());
        Assert.Equal(agent, inputs.GetProperty("agent_id").GetString());
        Assert.Equal(new Uri(_runner.Client.BaseAddress!, "/api/webhooks/github").AbsoluteUri, inputs.GetProperty("callback_url").GetString());

        var document = await Eventually.WaitAsync(() => StatusAsync(job), d => d.GetProperty("workflow_run_id").ValueKind == JsonValueKind.String, what: "run id recorded");
        Assert.Equal("4242", document.GetProperty("workflow_run_id").GetString());
        Assert.Equal("https://github.com/octo/infra/actions/runs/4242", document.GetProperty("workflow_run_url").GetString());
        Assert.Equal("queued", document.GetProperty("status").GetString());
        var entity = (await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job")).Value;
        Assert.NotNull(entity.GetDateTimeOffset("DispatchedAt"));

        // The run that was dispatched claims the job; another run is told to stop.
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"4242\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"4243\"}}")).StatusCode);
    }

    [Fact]
    public async Task Redelivery_OfADispatchedJob_DoesNotDispatchAgain()
    {
        var job = await _runner.NewJobAsync();
        await _github.WaitForRequestsAsync(1);
        await Eventually.WaitAsync(
            async () => (await _runner.Table("jobs").GetEntityAsync<TableEntity>(job.ToString(), "job")).Value.GetDateTimeOffset("DispatchedAt"),
            d => d is not null,
            what: "dispatched_at recorded");

        // The same message again, as a redelivery would bring it.
        var queue = new QueueClient(_setup.Azurite.ConnectionString, "provisioning-jobs", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.SendMessageAsync($"{{\"job_id\":\"{job}\"}}");
        await Eventually.WaitAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, what: "redelivered message consumed");
        await Task.Delay(300);
        Assert.Single(_github.Requests);
    }

    [Theory]
    [InlineData(404, "provision-agent.yml not found in octo/infra")]
    [InlineData(422, "GITHUB_REF")]
    public async Task PermanentGitHubError_FailsTheJobAtOnceWithAUsefulMessage(int status, string expected)
    {
        _github.Default = new FakeGitHub.Answer(status, "{\"message\":\"refused\"}");
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);

        var document = await WaitForStatusAsync(job, "failed");
        Assert.Single(_github.Requests);
        Assert.Contains(expected, document.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("queued", document.GetProperty("error").GetProperty("step_id").GetString());
        Assert.Equal("dispatch_failed", document.GetProperty("error").GetProperty("reason").GetString());
        Assert.Equal("error", document.GetProperty("steps")[0].GetProperty("state").GetString());

        // The agent is free again: a failed dispatch does not block the next one.
        _github.Default = new FakeGitHub.Answer(204);
        Assert.Equal(HttpStatusCode.Accepted, (await _runner.CreateJobAsync(agent)).Response.StatusCode);
    }

    [Fact]
    public async Task GitHubFailingEveryTime_EndsInThePoisonQueueAndAFailedJob()
    {
        _github.Default = new FakeGitHub.Answer(503, "{\"message\":\"unavailable\"}");
        var job = await _runner.NewJobAsync();

        var document = await WaitForStatusAsync(job, "failed");
        Assert.Contains("provisioning-jobs-poison", document.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("dispatch_failed", document.GetProperty("error").GetProperty("reason").GetString());

        // 3 deliveries (maxDequeueCount), each trying twice (DISPATCH_RETRY_ATTEMPTS = 1).
        Assert.Equal(6, _github.Requests.Count);
    }
}
