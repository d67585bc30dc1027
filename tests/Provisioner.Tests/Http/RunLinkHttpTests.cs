using System.Net;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>The run's address in the status document: built from the settings and the run id, never taken from a callback body.</summary>
[Collection(SharedAzurite.Name)]
public sealed class RunLinkHttpTests(Azurite azurite) : IAsyncLifetime
{
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["GITHUB_OWNER"] = "octo-org",
        ["GITHUB_REPO"] = "agents",
        ["GITHUB_API_URL"] = "https://ghe.example.com/api/v3/",
    });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private async Task<string?> RunUrlAfterClaimAsync(string claimFields)
    {
        var job = await _runner.NewJobAsync();
        var response = await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",{claimFields}}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await _runner.GetJobAsync(job)).Body.GetProperty("workflow_run_url").GetString();
    }

    [Fact]
    public async Task Webhook_ClaimWithoutRunUrl_GetsTheAddressBuiltFromTheSettings() =>
        Assert.Equal("https://ghe.example.com/octo-org/agents/actions/runs/31337", await RunUrlAfterClaimAsync("\"workflow_run_id\":\"31337\""));

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("https://ghe.example.com/octo-org/agents/actions/runs/6")]
    public async Task Webhook_ClaimWithRunUrl_ShowsTheBuiltAddress_NeverTheOneSent(string sent) =>
        Assert.Equal("https://ghe.example.com/octo-org/agents/actions/runs/5", await RunUrlAfterClaimAsync($"\"workflow_run_id\":\"5\",\"workflow_run_url\":\"{sent}\""));

    [Fact]
    public async Task Webhook_LaterCallbackWithRunUrl_NeverReplacesOrFillsTheAddress()
    {
        var job = await _runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"sim-1\",\"workflow_run_url\":\"https://evil.example/\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"step\":\"vm_created\",\"workflow_run_url\":\"https://evil.example/later\"}}")).StatusCode);

        var document = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("sim-1", document.GetProperty("workflow_run_id").GetString());
        Assert.Null(document.GetProperty("workflow_run_url").GetString());
    }

    [Fact]
    public async Task Webhook_SimulatedRunId_GetsNoAddress() =>
        Assert.Null(await RunUrlAfterClaimAsync("\"workflow_run_id\":\"sim-1234567890\""));
}
