using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly.Registry;
using Polly.Retry;
using Polly.Testing;
using Polly.Timeout;
using Provisioner.Functions;
using Provisioner.Functions.Dispatch;
using Provisioner.Tests.Infrastructure;
using Provisioner.Functions.GitHub;

namespace Provisioner.Tests.Dispatch;

/// <summary>The Octokit dispatch and its Polly pipeline against a fake GitHub over real HTTP; waits run on fake time.</summary>
public sealed class GitHubWorkflowDispatcherTests : IAsyncLifetime
{
    private static readonly WorkflowInputs Inputs = new(
        Guid.Parse("11111111-2222-3333-4444-555555555555"), "agent-7", "eu-central", new Uri("https://provisioner.example/api/webhooks/github"));

    private readonly ObservedFakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private FakeGitHub _github = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _github = await FakeGitHub.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true", // never reached: dispatch alone touches no storage
            ["GITHUB_CALLBACK_SECRET"] = "test-secret",
            ["GITHUB_TOKEN"] = "ghp_test_token",
            ["GITHUB_OWNER"] = "octo",
            ["GITHUB_REPO"] = "infra",
            ["GITHUB_API_URL"] = _github.BaseUrl.AbsoluteUri,
            ["PUBLIC_BASE_URL"] = "https://provisioner.example",
            ["DISPATCH_RETRY_ATTEMPTS"] = "3",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_time);
        services.AddProvisioner(configuration);
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _github.DisposeAsync();
    }

    private IWorkflowDispatcher Dispatcher => _services.GetRequiredService<IWorkflowDispatcher>();

    /// <summary>Runs the dispatch, moving fake time on by a second whenever it is waiting, until it ends.</summary>
    private async Task<DispatchOutcome> DispatchDrivingTimeAsync()
    {
        var task = Dispatcher.DispatchAsync(Inputs, CancellationToken.None);
        for (var i = 0; i < 2000 && !task.IsCompleted; i++)
        {
            await Task.Delay(5);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        return await task;
    }

    [Fact]
    public async Task Dispatch_SendsTheWorkflowDispatchOctokitWouldWithTokenAndInputs()
    {
        _github.Then(200, "{\"workflow_run_id\": 987654321, \"run_url\": \"https://api.github.com/repos/octo/infra/actions/runs/987654321\", \"html_url\": \"https://github.com/octo/infra/actions/runs/987654321\"}");
        var outcome = await Dispatcher.DispatchAsync(Inputs, CancellationToken.None);

        var dispatched = Assert.IsType<DispatchOutcome.Dispatched>(outcome);
        Assert.Equal("987654321", dispatched.RunId);
        Assert.Equal("https://github.com/octo/infra/actions/runs/987654321", dispatched.RunUrl);

        var request = Assert.Single(_github.Requests);
        Assert.Equal("POST", request.Method);
        // Octokit treats any host but api.github.com as GitHub Enterprise Server and adds its /api/v3 prefix.
        Assert.Equal("/api/v3/repos/octo/infra/actions/workflows/provision-agent.yml/dispatches", request.Path);
        Assert.Equal("Bearer ghp_test_token", request.Authorization);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("main", body.GetProperty("ref").GetString());
        Assert.True(body.GetProperty("return_run_details").GetBoolean());
        var inputs = body.GetProperty("inputs");
        Assert.Equal("11111111-2222-3333-4444-555555555555", inputs.GetProperty("job_id").GetString());
        Assert.Equal("agent-7", inputs.GetProperty("agent_id").GetString());
        Assert.Equal("eu-central", inputs.GetProperty("region").GetString());
        Assert.Equal("https://provisioner.example/api/webhooks/github", inputs.GetProperty("callback_url").GetString());
        // The keep window always goes along (Dispatch/ResumeInputs); resume_from and server_id only for a re-run.
        Assert.Equal("0", inputs.GetProperty("keep_failed_server_minutes").GetString());
        Assert.Equal(5, inputs.EnumerateObject().Count());
    }

    [Fact]
    public async Task Dispatch_204WithoutRunDetails_IsDispatchedWithoutARunId()
    {
        var dispatched = Assert.IsType<DispatchOutcome.Dispatched>(await Dispatcher.DispatchAsync(Inputs, CancellationToken.None));
        Assert.Null(dispatched.RunId);
    }

    [Fact]
    public async Task Dispatch_500Then204_Succeeds()
    {
        _github.Then(500, "{\"message\":\"Server Error\"}");
        Assert.IsType<DispatchOutcome.Dispatched>(await DispatchDrivingTimeAsync());
        Assert.Equal(2, _github.Requests.Count);
    }

    [Fact]
    public async Task Dispatch_429WithRetryAfter_WaitsThatLongOnTheClock()
    {
        _github.Then(429, "{\"message\":\"Too Many Requests\"}", new Dictionary<string, string> { ["Retry-After"] = "30" });
        var task = Dispatcher.DispatchAsync(Inputs, CancellationToken.None);
        await _github.WaitForRequestsAsync(1);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(30)); // the wait has begun: moving the clock now counts

        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(200);
        Assert.Single(_github.Requests);
        Assert.False(task.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1));
        await _github.WaitForRequestsAsync(2);
        Assert.IsType<DispatchOutcome.Dispatched>(await task);
    }

    [Fact]
    public async Task Dispatch_SecondaryRateLimit403_IsRetried()
    {
        _github.Then(403, "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}", new Dictionary<string, string> { ["Retry-After"] = "5" });
        Assert.IsType<DispatchOutcome.Dispatched>(await DispatchDrivingTimeAsync());
        Assert.Equal(2, _github.Requests.Count);
    }

    [Theory]
    [InlineData(404, "provision-agent.yml not found in octo/infra")]
    [InlineData(422, "GITHUB_REF")]
    [InlineData(401, "GITHUB_TOKEN")]
    [InlineData(403, "actions: write")]
    public async Task Dispatch_PermanentError_IsRejectedAtOnceWithWhatToFix(int status, string expected)
    {
        _github.Then(status, "{\"message\":\"nope\"}");
        var rejected = Assert.IsType<DispatchOutcome.Rejected>(await Dispatcher.DispatchAsync(Inputs, CancellationToken.None));
        Assert.Contains(expected, rejected.Message, StringComparison.Ordinal);
        Assert.Contains("nope", rejected.Message, StringComparison.Ordinal);
        Assert.Single(_github.Requests);
    }

    [Fact]
    public async Task Dispatch_AlwaysFailing_ThrowsAfterTheRetriesSoTheQueueRedelivers()
    {
        _github.Default = new FakeGitHub.Answer(502, "{\"message\":\"Bad Gateway\"}");
        await Assert.ThrowsAsync<Octokit.ApiException>(DispatchDrivingTimeAsync);
        Assert.Equal(4, _github.Requests.Count);
    }

    [Fact]
    public async Task Dispatch_RetryAfterLongerThanWeWait_IsLeftToTheQueue()
    {
        _github.Then(429, "{}", new Dictionary<string, string> { ["Retry-After"] = "3600" });
        await Assert.ThrowsAsync<Octokit.ApiException>(DispatchDrivingTimeAsync);
        Assert.Single(_github.Requests);
    }

    [Fact]
    public void Pipeline_IsRetryInsideAPerAttemptTimeout()
    {
        var pipeline = _services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(GitHubResilience.PipelineName);
        var strategies = pipeline.GetPipelineDescriptor().Strategies;
        Assert.Collection(
            strategies,
            retry => Assert.Equal(3, Assert.IsType<RetryStrategyOptions>(retry.Options).MaxRetryAttempts),
            timeout => Assert.Equal(TimeSpan.FromSeconds(20), Assert.IsType<TimeoutStrategyOptions>(timeout.Options).Timeout));
        var options = (RetryStrategyOptions)strategies[0].Options!;
        Assert.True(options.UseJitter);
        Assert.Equal(Polly.DelayBackoffType.Exponential, options.BackoffType);
    }
}
