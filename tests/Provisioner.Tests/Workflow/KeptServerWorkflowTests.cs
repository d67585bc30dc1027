using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Configuration;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// The workflow's side of a re-run from the failed step: the inputs the backend dispatches are
/// declared, the clean-up's keep decision (<c>keep-server.sh</c>), the input checks, the re-run
/// key, the steps' conditions, and the clean-up's report sent by the real <c>callback.sh</c> to the
/// local runner, whose answer then allows the re-run.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class KeptServerWorkflowTests(Azurite azurite) : IAsyncLifetime, IDisposable
{
    private const long Now = 1_772_366_400; // 2026-03-01T12:00:00Z
    private readonly string _dir = Directory.CreateTempSubdirectory("kept-").FullName;
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<ChildProcessResult> ScriptAsync(string script, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", script), .. args]) { WorkingDirectory = RepositoryRoot.Path, Environment = environment },
            TimeSpan.FromSeconds(60));

    private static Dictionary<string, string?> Keep(string result = "failure", string phaseFailed = "true", string failedStep = "configure", string serverId = "4711", string handedOver = "true", string minutes = "30") => new()
    {
        ["RESULT"] = result,
        ["PHASE_FAILED"] = phaseFailed,
        ["FAILED_STEP"] = failedStep,
        ["SERVER_ID"] = serverId,
        ["HANDED_OVER"] = handedOver,
        ["KEEP_FAILED_SERVER_MINUTES"] = minutes,
        ["KEEP_NOW"] = Now.ToString(CultureInfo.InvariantCulture),
        ["GITHUB_OUTPUT"] = null,
    };

    private static Dictionary<string, string> Outputs(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void ProvisionWorkflow_DeclaresEveryInputTheBackendDispatches()
    {
        var declared = WorkflowYaml.Workflow("provision-agent.yml")["on"]!["workflow_dispatch"]!["inputs"]!.AsObject();
        var sent = new Dictionary<string, object> { ["job_id"] = "", ["agent_id"] = "", ["region"] = "", ["callback_url"] = "", ["traceparent"] = "" };
        ResumeInputs.AddTo(sent, new WorkflowInputs(Guid.NewGuid(), "a", "eu-central", new Uri("https://x/"), null, ServerId: "4711", KeepFailedServerMinutes: 30, ResumeFrom: KeptServer.Configure));

        Assert.All(sent.Keys, name => Assert.True(declared.ContainsKey(name), $"provision-agent.yml does not declare the input {name}"));
        Assert.Equal(8, declared.Count); // GitHub allows up to 25 workflow_dispatch inputs
        Assert.Equal("0", (string?)declared["keep_failed_server_minutes"]!["default"]);
    }

    [Fact]
    public async Task KeepDecision_FailureAtConfigureHandedOver_KeptWithItsDeadline()
    {
        var run = await ScriptAsync("keep-server.sh", Keep());

        Assert.True(run.ExitCode == 0, run.Output);
        var outputs = Outputs(run.StandardOutput);
        Assert.Equal("true", outputs["keep"]);
        Assert.Equal((Now + 1800).ToString(CultureInfo.InvariantCulture), outputs["keep_until"]);
        Assert.Equal("2026-03-01T12:30:00Z", outputs["kept_until"]);
    }

    [Theory]
    [InlineData("cancelled", "true", "configure", "4711", "true", "30")] // a cancel
    [InlineData("failure", "false", "configure", "4711", "true", "30")] // the whole job timed out
    [InlineData("failure", "true", "provision", "4711", "true", "30")] // Creating Server
    [InlineData("failure", "true", "install", "4711", "true", "0")] // keeping off
    [InlineData("failure", "true", "install", "", "true", "30")] // no server id
    [InlineData("failure", "true", "install", "4711", "false", "30")] // not handed over
    [InlineData("failure", "true", "install", "4711", "true", "99999")] // not a valid window
    public async Task KeepDecision_Otherwise_Deleted(string result, string phaseFailed, string failedStep, string serverId, string handedOver, string minutes)
    {
        var run = await ScriptAsync("keep-server.sh", Keep(result, phaseFailed, failedStep, serverId, handedOver, minutes));

        Assert.True(run.ExitCode == 0, run.Output);
        var outputs = Outputs(run.StandardOutput);
        Assert.Equal("false", outputs["keep"]);
        Assert.False(outputs.ContainsKey("kept_until"));
    }

    [Theory]
    [InlineData("", "", "30", 0)]
    [InlineData("configure", "4711", "30", 0)]
    [InlineData("install", "4711", "0", 0)]
    [InlineData("configure", "", "30", 1)] // a re-run without its server
    [InlineData("creating", "4711", "30", 1)]
    [InlineData("", "4711", "30", 1)] // a server without a re-run
    [InlineData("install", "47;rm", "30", 1)]
    [InlineData("", "", "-5", 1)]
    public async Task CheckInputs_ResumeInputs(string resumeFrom, string serverId, string minutes, int exitCode)
    {
        var run = await ScriptAsync("check-inputs.sh", new Dictionary<string, string?>
        {
            ["JOB_ID"] = Guid.NewGuid().ToString(),
            ["AGENT_ID"] = "agent-1",
            ["REGION"] = "eu-central",
            ["CALLBACK_URL"] = "https://provisioner.example/api/webhooks/github",
            ["RESUME_FROM"] = resumeFrom,
            ["RESUME_SERVER_ID"] = serverId,
            ["KEEP_FAILED_SERVER_MINUTES"] = minutes,
        });

        Assert.True(run.ExitCode == exitCode, run.Output);
    }

    [Fact]
    public async Task HandoverKey_SameKeyForTheSameServer_AnotherForAnother_NoneWithoutTheSecret()
    {
        async Task<string> PublicKeyAsync(string serverId, string name, string secret = "whsec_dGVzdC1zZWNyZXQ=")
        {
            var file = Path.Combine(_dir, name);
            var run = await ScriptAsync("handover-key.sh", new Dictionary<string, string?> { ["HANDOVER_KEY_SECRET"] = secret }, serverId, file);
            Assert.True(run.ExitCode == 0, run.Output);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", File.ReadAllText(file), StringComparison.Ordinal);
            return File.ReadAllText(file + ".pub");
        }

        var first = await PublicKeyAsync("4711", "a");
        Assert.StartsWith("ssh-ed25519 ", first, StringComparison.Ordinal);
        Assert.Equal(first, await PublicKeyAsync("4711", "b"));
        Assert.NotEqual(first, await PublicKeyAsync("4712", "c"));
        Assert.NotEqual(first, await PublicKeyAsync("4711", "d", "whsec_b3RoZXI="));

        var none = await ScriptAsync("handover-key.sh", new Dictionary<string, string?> { ["HANDOVER_KEY_SECRET"] = null }, "4711", Path.Combine(_dir, "e"));
        Assert.Equal(4, none.ExitCode);
        Assert.False(File.Exists(Path.Combine(_dir, "e")));

        // The callback secret is not a key to root: without a secret of its own there is none.
        var fromCallbackSecret = await ScriptAsync("handover-key.sh", new Dictionary<string, string?> { ["CALLBACK_SECRET"] = "whsec_dGVzdC1zZWNyZXQ=", ["HANDOVER_KEY_SECRET"] = null }, "4711", Path.Combine(_dir, "f"));
        Assert.Equal(4, fromCallbackSecret.ExitCode);
        Assert.False(File.Exists(Path.Combine(_dir, "f")));
    }

    [Fact]
    public void ProvisionWorkflow_ReRunAdoptsInsteadOfCreating_AndTheCleanUpDeletesOnlyWhatItDoesNotHold()
    {
        var workflow = WorkflowYaml.Workflow("provision-agent.yml");
        var provision = WorkflowYaml.Steps(workflow).Where(s => s.Job == "provision").Select(s => s.Step).ToList();
        var cleanUp = WorkflowYaml.Steps(workflow).Where(s => s.Job == "clean-up").Select(s => s.Step).ToList();
        JsonObject Step(List<JsonObject> steps, string id) => steps.Single(s => (string?)s["id"] == id);

        Assert.Equal("env.RESUME_FROM == ''", (string?)Step(provision, "create")["if"]);
        Assert.Equal("env.RESUME_FROM != ''", (string?)Step(provision, "adopt")["if"]);
        Assert.Contains("adopt-server.yml", (string?)Step(provision, "adopt")["run"], StringComparison.Ordinal);
        Assert.Equal("env.RESUME_FROM != 'configure'", (string?)Step(provision, "install")["if"]);
        Assert.Null(Step(provision, "configure")["if"]);
        Assert.Contains("failure()", (string?)Step(provision, "handover")["if"], StringComparison.Ordinal);

        // The clean-up: decide, hold, report (with the deadline only once held), delete only what is not held.
        var ids = cleanUp.Select(s => (string?)s["id"]).Where(id => id is not null).ToList();
        Assert.True(ids.IndexOf("keep") < ids.IndexOf("hold"));
        Assert.Contains("keep-server.sh", (string?)Step(cleanUp, "keep")["run"], StringComparison.Ordinal);
        Assert.Equal("steps.keep.outputs.keep == 'true'", (string?)Step(cleanUp, "hold")["if"]);
        var report = cleanUp.Single(s => ((string?)s["name"])!.StartsWith("Report the failure", StringComparison.Ordinal));
        Assert.Equal("${{ steps.hold.outcome == 'success' && steps.keep.outputs.kept_until || '' }}", (string?)report["env"]!["KEPT_UNTIL"]);
        var delete = cleanUp.Single(s => ((string?)s["name"])!.StartsWith("Delete the server", StringComparison.Ordinal));
        Assert.Equal("always() && steps.hold.outcome != 'success'", (string?)delete["if"]);
    }

    [Fact]
    public async Task CleanUpReport_ThroughCallbackSh_RecordsTheDeadline_AndTheReRunIsAllowed()
    {
        var job = await _runner.NewJobAsync();
        var environment = new Dictionary<string, string?>
        {
            ["CALLBACK_URL"] = new Uri(_runner.Client.BaseAddress!, "/api/webhooks/github").ToString(),
            ["JOB_ID"] = job.ToString(),
            ["CALLBACK_SECRET"] = Runner.Secret,
            ["GITHUB_RUN_ID"] = "6100",
            ["GITHUB_RUN_ATTEMPT"] = "1",
            ["GITHUB_SERVER_URL"] = "https://github.com",
            ["GITHUB_REPOSITORY"] = "octo/infra",
            ["RUNNER_TEMP"] = _dir,
            ["CALLBACK_RETRY_BASE_SECONDS"] = "0.05",
            ["CALLBACK_RETRY_MAX_SECONDS"] = "0.2",
            ["CALLBACK_MAX_ATTEMPTS"] = null,
        };
        var claim = await ScriptAsync("callback.sh", environment, "claim");
        Assert.True(claim.ExitCode == 0, claim.Output);

        // The clean-up's decision, now, for 30 minutes; then its report, as the workflow step builds it.
        var decision = Keep();
        decision["KEEP_NOW"] = null;
        var keep = Outputs((await ScriptAsync("keep-server.sh", decision)).StandardOutput);
        Assert.Equal("true", keep["keep"]);
        var failed = await ScriptAsync("callback.sh", environment, "failed", "failed_step=configure", "error=configure: the agent is not up", "server_id=4711", "server_ip=203.0.113.9", "tailscale_ip=100.64.0.9", "server_kept_until=" + keep["kept_until"]);
        Assert.True(failed.ExitCode == 0, failed.Output);

        var document = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal(DateTimeOffset.Parse(keep["kept_until"], CultureInfo.InvariantCulture), document.GetProperty("server").GetProperty("kept_until").GetDateTimeOffset());

        using var body = new StringContent("{\"from\":\"failed_step\"}", Encoding.UTF8, "application/json");
        using var retry = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal("configure", (await Runner.ReadJsonAsync(retry)).GetProperty("resume_from").GetString());
    }
}
