using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Cli;

/// <summary>
/// `provisioner` against the local runner and Azurite over real HTTP: each command does what its
/// route does and exits with the code docs/cli.md gives (0 done, 1 failed, 2 usage, 3 cancelled,
/// 4 refused, 124 --timeout). The workflow's callbacks are sent by hand (dispatch is off).
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class CliHttpTests(Azurite azurite) : IAsyncLifetime
{
    private Runner _runner = null!;

    private Uri Url => _runner.Client.BaseAddress!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private async Task CallbackAsync(string job, string fields)
    {
        var response = await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",{fields}}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> CreateAsync(string agent)
    {
        var created = await Cli.RunAsync(Url, "create", "--agent", agent, "--region", "eu-central", "--output", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        return JsonDocument.Parse(created.Out).RootElement.GetProperty("job_id").GetString()!;
    }

    private async Task<JsonElement> GetJobAsync(string job) =>
        (await _runner.GetJobAsync(Guid.Parse(job))).Body;

    [Fact]
    public async Task Create_StoresTheJob_PrintsItsSteps_AndExitsZero()
    {
        var agent = Runner.NewAgentId();

        var result = await Cli.RunAsync(Url, "create", "--agent", agent, "--region", "eu-central");

        Assert.True(result.ExitCode == 0, result.ToString());
        var job = await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative));
        var document = await Runner.ReadJsonAsync(job);
        Assert.Equal("queued", document.GetProperty("status").GetString());
        Assert.Equal("eu-central", document.GetProperty("region").GetString());
        Assert.Contains($"job {document.GetProperty("job_id").GetString()} (provision of {agent}): queued", result.Out, StringComparison.Ordinal);
        Assert.Contains("Creating Server", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\e[", result.Out, StringComparison.Ordinal); // redirected: no escape codes
    }

    [Fact]
    public async Task Create_OutputJson_IsTheServersDocument()
    {
        var agent = Runner.NewAgentId();
        var job = await CreateAsync(agent);

        var stored = await GetJobAsync(job);
        Assert.Equal(agent, stored.GetProperty("agent_id").GetString());
        Assert.Equal("queued", stored.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_UsageErrors_ExitTwo_NamingTheOption()
    {
        var missing = await Cli.RunAsync(Url, "create", "--region", "eu-central");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--agent", missing.Error, StringComparison.Ordinal);

        var ttl = await Cli.RunAsync(Url, "create", "--agent", Runner.NewAgentId(), "--region", "eu-central", "--ttl", "0");
        Assert.Equal(2, ttl.ExitCode);
        Assert.Contains("--ttl", ttl.Error, StringComparison.Ordinal);

        var output = await Cli.RunAsync(Url, "list", "--output", "yaml");
        Assert.Equal(2, output.ExitCode);
        Assert.Contains("--output", output.Error, StringComparison.Ordinal);

        var url = await Cli.RunAsync(null, "list", "--url", "not a url");
        Assert.Equal(2, url.ExitCode);
        Assert.Contains("--url", url.Error, StringComparison.Ordinal);

        var variable = await Cli.RunAsync(null, new Dictionary<string, string> { ["PROVISIONER_URL"] = "ftp://example.invalid" }, false, default, "list");
        Assert.Equal(2, variable.ExitCode);
        Assert.Contains("PROVISIONER_URL", variable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_BadAgentId_ServersBadRequest_ExitsTwo_WithItsDetail()
    {
        var result = await Cli.RunAsync(Url, "create", "--agent", "not valid!", "--region", "eu-central");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
        Assert.Contains("agent_id", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_AgentWithAJobInFlight_IsRefused_ExitsFour()
    {
        var agent = Runner.NewAgentId();
        var first = await CreateAsync(agent);

        var second = await Cli.RunAsync(Url, "create", "--agent", agent, "--region", "eu-central");

        Assert.Equal(4, second.ExitCode);
        Assert.Contains("409", second.Error, StringComparison.Ordinal);
        Assert.Contains(first, second.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_ExitCodeFollowsTheJob_AndAnUnknownJobIsRefused()
    {
        var job = await CreateAsync(Runner.NewAgentId());
        var queued = await Cli.RunAsync(Url, "status", job);
        Assert.True(queued.ExitCode == 0, queued.ToString());
        Assert.Contains(": queued", queued.Out, StringComparison.Ordinal);

        await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"7101\"");
        await CallbackAsync(job, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");
        var failed = await Cli.RunAsync(Url, "status", job);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("Installing Dependencies", failed.Out, StringComparison.Ordinal);
        Assert.Contains("error", failed.Out, StringComparison.Ordinal);

        var unknown = await Cli.RunAsync(Url, "status", Guid.NewGuid().ToString());
        Assert.Equal(4, unknown.ExitCode);
        Assert.Contains("404", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_QueuedJob_EndsCancelled_ThenStatusExitsThree_AndASecondCancelIsRefused()
    {
        var job = await CreateAsync(Runner.NewAgentId());

        var cancel = await Cli.RunAsync(Url, "cancel", job);

        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal("cancelled", (await GetJobAsync(job)).GetProperty("status").GetString());
        Assert.Equal(3, (await Cli.RunAsync(Url, "status", job)).ExitCode);
        var again = await Cli.RunAsync(Url, "cancel", job);
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("409", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_FailedJob_StartsTheNextAttempt()
    {
        var job = await CreateAsync(Runner.NewAgentId());
        await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"7102\"");
        await CallbackAsync(job, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");

        var retry = await Cli.RunAsync(Url, "retry", job, "--output", "json");

        Assert.True(retry.ExitCode == 0, retry.ToString());
        var next = JsonDocument.Parse(retry.Out).RootElement;
        Assert.Equal(job, next.GetProperty("previous_job_id").GetString());
        Assert.Equal(2, next.GetProperty("attempt").GetInt32());
        Assert.Equal(next.GetProperty("job_id").GetString(), (await GetJobAsync(job)).GetProperty("next_job_id").GetString());

        // from the failed step needs a kept server, which this run did not report: refused, and says why.
        var fromFailed = await Cli.RunAsync(Url, "retry", job, "--from-failed-step");
        Assert.Equal(4, fromFailed.ExitCode);
        Assert.Contains("409", fromFailed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ByStatus_ShowsTheJob_AsTextAndAsJson()
    {
        var job = await CreateAsync(Runner.NewAgentId());
        await Cli.RunAsync(Url, "cancel", job);

        var text = await Cli.RunAsync(Url, "list", "--status", "cancelled", "--limit", "100");
        var json = await Cli.RunAsync(Url, "list", "--status", "cancelled", "--limit", "100", "--output", "json");
        var queued = await Cli.RunAsync(Url, "list", "--status", "queued", "--limit", "100", "--output", "json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains(job, text.Out, StringComparison.Ordinal);
        var jobs = JsonDocument.Parse(json.Out).RootElement.GetProperty("jobs").EnumerateArray().ToList();
        Assert.Contains(jobs, j => j.GetProperty("job_id").GetString() == job);
        Assert.All(jobs, j => Assert.Equal("cancelled", j.GetProperty("status").GetString()));
        Assert.DoesNotContain(JsonDocument.Parse(queued.Out).RootElement.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("job_id").GetString() == job);
        Assert.Equal(2, (await Cli.RunAsync(Url, "list", "--status", "lost")).ExitCode);
    }

    [Fact]
    public async Task Teardown_RunningAgent_StartsADeprovisionJob_AndAnAgentWithoutAServerIsRefused()
    {
        var agent = Runner.NewAgentId();
        var job = await CreateAsync(agent);
        await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"7103\"");
        await CallbackAsync(job, "\"status\":\"running\",\"server_id\":\"58101\",\"server_ip\":\"203.0.113.9\",\"tailscale_ip\":\"100.64.0.9\"");

        var teardown = await Cli.RunAsync(Url, "teardown", agent, "--output", "json");

        Assert.True(teardown.ExitCode == 0, teardown.ToString());
        var deprovision = JsonDocument.Parse(teardown.Out).RootElement;
        Assert.Equal("deprovision", deprovision.GetProperty("kind").GetString());
        Assert.Equal("deprovision", (await GetJobAsync(deprovision.GetProperty("job_id").GetString()!)).GetProperty("kind").GetString());
        var none = await Cli.RunAsync(Url, "teardown", Runner.NewAgentId());
        Assert.Equal(4, none.ExitCode);
        Assert.Contains("404", none.Error, StringComparison.Ordinal);
    }

    /// <summary>Over the event stream where the runner has it, else by polling the job.</summary>
    [Fact]
    public async Task Watch_DrawsEachStep_AndExitsZeroAtRunning()
    {
        var job = await CreateAsync(Runner.NewAgentId());
        var watch = Cli.RunAsync(Url, "watch", job);

        await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"7104\"");
        await CallbackAsync(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        await CallbackAsync(job, "\"status\":\"running\",\"server_id\":\"58102\",\"server_ip\":\"203.0.113.10\",\"tailscale_ip\":\"100.64.0.10\"");
        var result = await watch.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Running: completed", result.Out, StringComparison.Ordinal);
        Assert.Contains($"job {job}: running", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_FailedJob_ExitsOne_WithTheError()
    {
        var job = await CreateAsync(Runner.NewAgentId());
        await CallbackAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"7105\"");
        await CallbackAsync(job, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");

        var result = await Cli.RunAsync(Url, "watch", job);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Installing Dependencies: error", result.Out, StringComparison.Ordinal);
        Assert.Contains("error: ", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_UnknownJob_IsRefused_AndAJobThatDoesNotEnd_HitsTheTimeout()
    {
        var unknown = await Cli.RunAsync(Url, "watch", Guid.NewGuid().ToString());
        Assert.Equal(4, unknown.ExitCode);

        var job = await CreateAsync(Runner.NewAgentId());
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await Cli.RunAsync(Url, "watch", job, "--timeout", "1");

        Assert.Equal(124, result.ExitCode);
        Assert.Contains("--timeout", result.Error, StringComparison.Ordinal);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(30));
    }
}
