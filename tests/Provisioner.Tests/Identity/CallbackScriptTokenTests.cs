using System.Net;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// The real <c>.github/scripts/callback.sh</c> against the runner, getting its ID token from the
/// test issuer posing as GitHub's token endpoint (<c>ACTIONS_ID_TOKEN_REQUEST_URL</c>,
/// <c>ACTIONS_ID_TOKEN_REQUEST_TOKEN</c>), as a run with <c>id-token: write</c> does.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class CallbackScriptTokenTests(Azurite azurite) : IAsyncLifetime
{
    private const string Repository = "octo-org/agents";

    private TestIssuer _github = null!;
    private DispatchedRuns _runs = null!;

    public async Task InitializeAsync()
    {
        _github = await TestIssuer.StartAsync();
        _runs = await DispatchedRuns.StartAsync();
        foreach (var (name, value) in TestIssuer.GitHubClaims(Repository, "provision-agent.yml", "7770001"))
        {
            _github.ActionsClaims[name] = value;
        }
    }

    public async Task DisposeAsync()
    {
        await _runs.DisposeAsync();
        await _github.DisposeAsync();
    }

    private Task<Runner> StartAsync(string mode, string? secret = null)
    {
        var settings = _runs.Settings("octo-org", "agents");
        settings["CALLBACK_AUTH"] = mode;
        settings["GITHUB_OIDC_ISSUER"] = _github.Issuer;
        settings["GITHUB_CALLBACK_SECRET"] = secret ?? Runner.Secret;
        return Runner.StartAsync(azurite, settings);
    }

    /// <summary>A job the runner dispatched, run by GitHub as the run the script's token names.</summary>
    private Task<Guid> DispatchedAsync(Runner runner) => _runs.NewDispatchedJobAsync(runner, 7770001);

    private async Task<(int ExitCode, string Output)> CallbackAsync(Runner runner, Guid job, bool withSecret, bool withToken, params string[] args)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CALLBACK_URL"] = new Uri(runner.Client.BaseAddress!, "/api/webhooks/github").ToString(),
            ["JOB_ID"] = job.ToString(),
            ["CALLBACK_SECRET"] = withSecret ? Runner.Secret : null,
            ["ACTIONS_ID_TOKEN_REQUEST_URL"] = withToken ? _github.ActionsTokenRequestUrl : null,
            ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = withToken ? TestIssuer.ActionsRequestToken : null,
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_RUN_ID"] = "7770001",
            ["GITHUB_RUN_ATTEMPT"] = "1",
            ["GITHUB_SERVER_URL"] = "https://github.com",
            ["GITHUB_REPOSITORY"] = Repository,
            ["CALLBACK_MAX_ATTEMPTS"] = "2",
            ["CALLBACK_RETRY_BASE_SECONDS"] = "0.05",
            ["CALLBACK_RETRY_MAX_SECONDS"] = "0.1",
            ["CALLBACK_TIMEOUT_SECONDS"] = "10",
        };
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "callback.sh"), .. args]) { WorkingDirectory = RepositoryRoot.Path, Environment = environment },
            TimeSpan.FromSeconds(60));
        return (run.ExitCode, run.Output);
    }

    private static void AssertDelivered((int ExitCode, string Output) run) =>
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Output}");

    [Fact]
    public async Task Script_TokenOnly_WalksTheJobToRunningUnderOidc()
    {
        await using var runner = await StartAsync("oidc", secret: "");
        var job = await DispatchedAsync(runner);

        AssertDelivered(await CallbackAsync(runner, job, withSecret: false, withToken: true, "claim"));
        AssertDelivered(await CallbackAsync(runner, job, withSecret: false, withToken: true, "step", "vm_created"));
        var last = await CallbackAsync(runner, job, withSecret: false, withToken: true, "running", "server_id=1", "server_ip=203.0.113.9", "tailscale_ip=100.64.0.9");
        AssertDelivered(last);

        var (response, document) = await runner.GetJobAsync(job);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("running", document.GetProperty("status").GetString());
        Assert.Equal("7770001", document.GetProperty("workflow_run_id").GetString());

        // The script asked for the backend's default audience (PUBLIC_BASE_URL) and masked each token.
        Assert.All(_github.ActionsAudiencesRequested, a => Assert.Equal(runner.Client.BaseAddress!.AbsoluteUri, a));
        Assert.Contains("::add-mask::", last.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer ey", last.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hmac")]
    [InlineData("any")]
    [InlineData("oidc")]
    public async Task Script_SecretAndToken_IsAcceptedWhateverTheBackendsMode(string mode)
    {
        await using var runner = await StartAsync(mode);
        var job = await DispatchedAsync(runner);

        AssertDelivered(await CallbackAsync(runner, job, withSecret: true, withToken: true, "claim"));

        Assert.Equal("provisioning", (await runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Script_SecretOnly_IsRefusedUnderOidc()
    {
        await using var runner = await StartAsync("oidc");
        var job = await DispatchedAsync(runner);

        var run = await CallbackAsync(runner, job, withSecret: true, withToken: false, "claim");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("queued", (await runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Script_NoTokenEndpointAndNoSecret_IsNotDeliveredAndChangesNothing()
    {
        await using var runner = await StartAsync("oidc", secret: "");
        var job = await DispatchedAsync(runner);
        var environmentWithDeadEndpoint = await CallbackWithDeadEndpointAsync(runner, job);

        Assert.Equal(1, environmentWithDeadEndpoint.ExitCode);
        Assert.Contains("no ID token", environmentWithDeadEndpoint.Output, StringComparison.Ordinal);
        Assert.Equal("queued", (await runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
    }

    private static async Task<(int ExitCode, string Output)> CallbackWithDeadEndpointAsync(Runner runner, Guid job)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CALLBACK_URL"] = new Uri(runner.Client.BaseAddress!, "/api/webhooks/github").ToString(),
            ["JOB_ID"] = job.ToString(),
            ["ACTIONS_ID_TOKEN_REQUEST_URL"] = $"http://127.0.0.1:{LoopbackPorts.Free()}/token?api-version=2.0",
            ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = TestIssuer.ActionsRequestToken,
            ["GITHUB_RUN_ID"] = "7770001",
            ["CALLBACK_MAX_ATTEMPTS"] = "2",
            ["CALLBACK_RETRY_BASE_SECONDS"] = "0.05",
            ["CALLBACK_RETRY_MAX_SECONDS"] = "0.1",
            ["CALLBACK_TIMEOUT_SECONDS"] = "5",
        };
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "callback.sh"), "claim"]) { WorkingDirectory = RepositoryRoot.Path, Environment = environment },
            TimeSpan.FromSeconds(60));
        return (run.ExitCode, run.Output);
    }
}
