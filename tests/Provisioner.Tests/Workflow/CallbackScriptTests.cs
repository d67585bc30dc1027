using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// The workflow and the backend agree: the real <c>.github/scripts/callback.sh</c>, run with
/// the environment a workflow run gives it, against the local runner and Azurite, in the order
/// <c>provision-agent.yml</c> calls it. Legacy signatures are switched off, so every callback
/// that lands was signed with Standard Webhooks.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class CallbackScriptTests(Azurite azurite) : IAsyncLifetime
{
    private const int Delivered = 0;
    private const int NotDelivered = 1;
    private const int Refused = 3;

    /// <summary>The callbacks of provision-agent.yml, in its order; the tests below play them in this order.</summary>
    private static readonly string[] WorkflowCallbacks =
    [
        "claim", "heartbeat.sh start", "step vm_created", "step ansible_started", "step ansible_complete", "heartbeat.sh stop", "running", "failed", "cancelled",
    ];

    private Runner _runner = null!;

    public async Task InitializeAsync() =>
        _runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["CALLBACK_ALLOW_LEGACY_SIGNATURE"] = "false",
            // The run link is built from these and the run id, never taken from the body (issue 23, item 9).
            ["GITHUB_OWNER"] = "octo",
            ["GITHUB_REPO"] = "infra",
        });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private sealed record ScriptRun(int ExitCode, string Output);

    private static async Task<ScriptRun> RunScriptAsync(string script, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var variables = new Dictionary<string, string?> { ["CALLBACK_MAX_ATTEMPTS"] = null };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", script), .. args]) { WorkingDirectory = RepositoryRoot.Path, Environment = variables },
            TimeSpan.FromSeconds(60));
        return new ScriptRun(run.ExitCode, run.Output);
    }

    /// <summary>Runs <c>bash .github/scripts/callback.sh ARGS</c> as a step of workflow run <paramref name="runId"/> would.</summary>
    private Task<ScriptRun> CallbackAsync(Guid job, string runId, string[] args, IReadOnlyDictionary<string, string>? environment = null) =>
        RunScriptAsync("callback.sh", args, RunEnvironment(job, runId, environment));

    private Dictionary<string, string> RunEnvironment(Guid job, string runId, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var env = new Dictionary<string, string>
        {
            // The workflow's env: block: the dispatch inputs and the GH_CALLBACK_SECRET secret.
            ["CALLBACK_URL"] = new Uri(_runner.Client.BaseAddress!, "/api/webhooks/github").ToString(),
            ["JOB_ID"] = job.ToString(),
            ["CALLBACK_SECRET"] = Runner.Secret,
            // What GitHub Actions sets on every step.
            ["GITHUB_RUN_ID"] = runId,
            ["GITHUB_RUN_ATTEMPT"] = "1",
            ["GITHUB_SERVER_URL"] = "https://github.com",
            ["GITHUB_REPOSITORY"] = "octo/infra",
            ["RUNNER_TEMP"] = System.IO.Path.GetTempPath(),
            // Short back-off, so the tests stay fast.
            ["CALLBACK_RETRY_BASE_SECONDS"] = "0.05",
            ["CALLBACK_RETRY_MAX_SECONDS"] = "0.2",
            ["CALLBACK_TIMEOUT_SECONDS"] = "10",
        };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }

        return env;
    }

    private Task<ScriptRun> CallbackAsync(Guid job, string runId, params string[] args) => CallbackAsync(job, runId, args, null);

    private static void AssertExit(int expected, ScriptRun run) =>
        Assert.True(run.ExitCode == expected, $"exit {run.ExitCode}, expected {expected}: {run.Output}");

    private async Task<JsonElement> StatusAsync(Guid job)
    {
        var (response, body) = await _runner.GetJobAsync(job);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body;
    }

    private static string States(JsonElement document) =>
        string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

    /// <summary>"status current_step state state state state state", what the page shows.</summary>
    private static string Progress(JsonElement document) =>
        $"{Text(document, "status")} {Text(document, "current_step") ?? "-"} {States(document)}";

    private static string? Text(JsonElement document, params string[] path)
    {
        foreach (var name in path)
        {
            document = document.GetProperty(name);
        }

        return document.ValueKind == JsonValueKind.Null ? null : document.GetString();
    }

    [Fact]
    public void ProvisionWorkflow_CallsTheScripts_InTheOrderTheseTestsPlay()
    {
        var workflow = File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "workflows", "provision-agent.yml"));
        var calls = Regex.Matches(workflow, @"^\s*(?:run: |run: >-\s+)?bash \.github/scripts/(callback\.sh (?<call>step \w+|\w+)|(?<call>heartbeat\.sh \w+))", RegexOptions.Multiline)
            .Select(m => m.Groups["call"].Value)
            .ToArray();

        Assert.Equal(WorkflowCallbacks, calls);
    }

    [Fact]
    public async Task CallbackScript_InTheWorkflowsOrder_WalksTheJobThroughEveryStep()
    {
        var job = await _runner.NewJobAsync();
        const string run = "7001";

        // Claim the job.
        AssertExit(Delivered, await CallbackAsync(job, run, "claim"));
        var document = await StatusAsync(job);
        Assert.Equal("provisioning - completed active pending pending pending", Progress(document));
        Assert.Equal(run, Text(document, "workflow_run_id"));
        Assert.Equal("https://github.com/octo/infra/actions/runs/7001", Text(document, "workflow_run_url"));
        Assert.Null(Text(document, "last_heartbeat_at"));

        // Start the heartbeat (every 0.2 s here, 60 s in a run): beats set last_heartbeat_at, nothing else.
        var heartbeat = RunEnvironment(job, run, new Dictionary<string, string> { ["HEARTBEAT_INTERVAL_SECONDS"] = "0.2" });
        AssertExit(Delivered, await RunScriptAsync("heartbeat.sh", ["start"], heartbeat));
        try
        {
            document = await Eventually.WaitAsync(() => StatusAsync(job), d => Text(d, "last_heartbeat_at") is not null, what: "a heartbeat");
            Assert.Equal("provisioning - completed active pending pending pending", Progress(document));

            // Create the server, report vm_created.
            AssertExit(Delivered, await CallbackAsync(job, run, "step", "vm_created"));
            document = await StatusAsync(job);
            Assert.Equal("provisioning vm_created completed completed active pending pending", Progress(document));

            // Install dependencies, report ansible_started with the mode the create step chose.
            AssertExit(Delivered, await CallbackAsync(job, run, "step", "ansible_started", "mode=full", "used_snapshot:=false"));
            document = await StatusAsync(job);
            Assert.Equal("provisioning ansible_started completed completed completed active pending", Progress(document));

            // Configure, report ansible_complete.
            AssertExit(Delivered, await CallbackAsync(job, run, "step", "ansible_complete"));
            document = await StatusAsync(job);
            Assert.Equal("provisioning ansible_complete completed completed completed completed active", Progress(document));

            // Stop the heartbeat, report running with the create step's outputs.
            var stopped = await RunScriptAsync("heartbeat.sh", ["stop"], heartbeat);
            AssertExit(Delivered, stopped);
            Assert.Contains("heartbeat delivered", stopped.Output, StringComparison.Ordinal);
            AssertExit(Delivered, await CallbackAsync(job, run, "running", "server_id=58391234", "server_ip=203.0.113.10", "tailscale_ip=100.64.0.10", "used_snapshot:=false"));
            document = await StatusAsync(job);
            Assert.Equal("running ansible_complete completed completed completed completed completed", Progress(document));
            Assert.Equal("58391234", Text(document, "server", "id"));
            Assert.Equal("203.0.113.10", Text(document, "server", "ip"));
            Assert.Equal("100.64.0.10", Text(document, "server", "tailscale_ip"));
            Assert.Equal(JsonValueKind.Null, document.GetProperty("error").ValueKind);
        }
        finally
        {
            // Never leave the background loop behind, whatever failed above.
            await RunScriptAsync("heartbeat.sh", ["stop"], heartbeat);
        }
    }

    [Fact]
    public async Task CallbackScript_FailureWhileConfiguring_PutsTheErrorOnConfiguringAgent()
    {
        var job = await _runner.NewJobAsync();
        const string run = "7002";
        AssertExit(Delivered, await CallbackAsync(job, run, "claim"));
        AssertExit(Delivered, await CallbackAsync(job, run, "step", "vm_created"));
        AssertExit(Delivered, await CallbackAsync(job, run, "step", "ansible_started", "mode=snapshot-hybrid", "used_snapshot:=true"));

        // What the clean-up job sends: the phase, the playbook's fatal line (quotes, newline and
        // all: jq keeps them inside the field) and the server's outputs.
        const string error = "configure: fatal: [agent]: FAILED! => {\"msg\": \"The agent is not up: service failed\"}\nsee the run";
        AssertExit(Delivered, await CallbackAsync(job, run, "failed", "failed_step=configure", $"error={error}", "server_id=58391234", "server_ip=203.0.113.10", "tailscale_ip="));

        var document = await StatusAsync(job);
        Assert.Equal("failed", Text(document, "status"));
        Assert.Equal("completed completed completed error pending", States(document));
        Assert.Equal(error, Text(document, "error", "message"));
        Assert.Equal("configure", Text(document, "error", "failed_step"));
        Assert.Equal("configuring", Text(document, "error", "step_id"));
    }

    [Theory]
    [InlineData("provision", "completed error pending pending pending", "creating")]
    [InlineData("install", "completed completed error pending pending", "installing")]
    public async Task CallbackScript_FailureInEarlierPhases_LandsOnTheirSteps(string failedStep, string states, string stepId)
    {
        var job = await _runner.NewJobAsync();
        const string run = "7003";
        AssertExit(Delivered, await CallbackAsync(job, run, "claim"));
        if (failedStep == "install")
        {
            AssertExit(Delivered, await CallbackAsync(job, run, "step", "vm_created"));
        }

        AssertExit(Delivered, await CallbackAsync(job, run, "failed", $"failed_step={failedStep}", "error=it broke"));

        var document = await StatusAsync(job);
        Assert.Equal(states, States(document));
        Assert.Equal(stepId, Text(document, "error", "step_id"));
    }

    [Fact]
    public async Task CallbackScript_ClaimBySecondRun_ExitsRefusedAndTheFirstRunKeepsTheJob()
    {
        var job = await _runner.NewJobAsync();
        AssertExit(Delivered, await CallbackAsync(job, "7004", "claim"));

        var second = await CallbackAsync(job, "7005", "claim");
        AssertExit(Refused, second);
        Assert.Contains("409", second.Output, StringComparison.Ordinal);

        // Nothing the second run sends can move or end the job: its failure is refused too, and
        // its step callback is best effort (exit 0) but changes nothing.
        AssertExit(Refused, await CallbackAsync(job, "7005", "failed", "failed_step=provision", "error=second run"));
        AssertExit(Delivered, await CallbackAsync(job, "7005", "step", "vm_created"));
        var document = await StatusAsync(job);
        Assert.Equal("7004", Text(document, "workflow_run_id"));
        Assert.Equal("provisioning - completed active pending pending pending", Progress(document));

        // The first run goes on.
        AssertExit(Delivered, await CallbackAsync(job, "7004", "step", "vm_created"));
        Assert.Equal("vm_created", Text(await StatusAsync(job), "current_step"));
    }

    [Fact]
    public async Task CallbackScript_CancelMidRun_TheCleanUpsCancelledEndsTheJobAndAnotherRunsIsRefused()
    {
        var job = await _runner.NewJobAsync();
        AssertExit(Delivered, await CallbackAsync(job, "7010", "claim"));
        AssertExit(Delivered, await CallbackAsync(job, "7010", "step", "vm_created"));
        using (var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        // Only the run that holds the job can end it.
        AssertExit(Refused, await CallbackAsync(job, "7011", "cancelled"));
        Assert.Equal("cancelling", Text(await StatusAsync(job), "status"));

        AssertExit(Delivered, await CallbackAsync(job, "7010", "cancelled", "server_id=4711"));
        var document = await StatusAsync(job);
        Assert.Equal("cancelled vm_created completed completed cancelled pending pending", Progress(document));
        Assert.Equal("4711", Text(document, "server", "id"));
    }

    [Fact]
    public async Task CallbackScript_ReRunOfAnEndedRun_IsRefusedBeforeItBuildsAnything()
    {
        var job = await _runner.NewJobAsync();
        AssertExit(Delivered, await CallbackAsync(job, "7006", "claim"));
        AssertExit(Delivered, await CallbackAsync(job, "7006", "failed", "failed_step=provision", "error=no capacity"));

        // "Re-run jobs" keeps GITHUB_RUN_ID and raises GITHUB_RUN_ATTEMPT.
        var rerun = await CallbackAsync(job, "7006", ["claim"], new Dictionary<string, string> { ["GITHUB_RUN_ATTEMPT"] = "2" });

        AssertExit(Refused, rerun);
        Assert.Equal("failed", Text(await StatusAsync(job), "status"));
    }

    [Fact]
    public async Task CallbackScript_CleanUpReRunAlone_ReportsAsTheAttemptThatClaimed()
    {
        var job = await _runner.NewJobAsync();
        AssertExit(Delivered, await CallbackAsync(job, "7011", "claim"));

        // "Re-run this job" on the clean-up job: attempt 2 of the run, given the provisioning
        // attempt's id through the provision job's run_id output.
        var reRun = new Dictionary<string, string> { ["GITHUB_RUN_ATTEMPT"] = "2", ["PROVISION_RUN_ID"] = "7011" };
        AssertExit(Delivered, await CallbackAsync(job, "7011", ["failed", "failed_step=configure", "error=the agent is not up"], reRun));

        var document = await StatusAsync(job);
        Assert.Equal("failed", Text(document, "status"));
        Assert.Equal("7011", Text(document, "workflow_run_id"));

        // Sent again by a third attempt of the clean-up: acknowledged, and the first failure stands.
        AssertExit(Delivered, await CallbackAsync(job, "7011", ["failed", "failed_step=configure", "error=again"], new Dictionary<string, string>(reRun) { ["GITHUB_RUN_ATTEMPT"] = "3" }));
        Assert.Equal("the agent is not up", Text(await StatusAsync(job), "error", "message"));

        // Without the provisioning attempt's id, the re-run would speak as run 7011.2 and be refused.
        AssertExit(Refused, await CallbackAsync(job, "7011", ["failed", "failed_step=configure", "error=lost"], new Dictionary<string, string> { ["GITHUB_RUN_ATTEMPT"] = "2" }));
    }

    [Fact]
    public async Task CallbackScript_BackendUnreachable_OnlyTheClaimAndTheFinalCallbacksFailTheStep()
    {
        var job = Guid.NewGuid();
        var closed = new Dictionary<string, string>
        {
            ["CALLBACK_URL"] = $"http://127.0.0.1:{Azurite.FreePort().ToString(CultureInfo.InvariantCulture)}/api/webhooks/github",
            ["CALLBACK_MAX_ATTEMPTS"] = "2",
        };

        AssertExit(NotDelivered, await CallbackAsync(job, "7007", ["claim"], closed));
        AssertExit(Delivered, await CallbackAsync(job, "7007", ["heartbeat"], closed));
        AssertExit(Delivered, await CallbackAsync(job, "7007", ["step", "vm_created"], closed));
        AssertExit(NotDelivered, await CallbackAsync(job, "7007", ["running", "server_id=1", "server_ip=203.0.113.1", "tailscale_ip=100.64.0.1"], closed));
        var failed = await CallbackAsync(job, "7007", ["failed", "failed_step=configure", "error=x"], closed);
        AssertExit(NotDelivered, failed);
        Assert.Contains("after 2 attempts", failed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallbackScript_UnknownJob_FailsTheClaimWithoutRetrying()
    {
        var claim = await CallbackAsync(Guid.NewGuid(), "7008", "claim");

        AssertExit(NotDelivered, claim);
        Assert.Contains("(404)", claim.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("retrying", claim.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallbackScript_WhsecSecret_SignsWithTheDecodedKey()
    {
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["GITHUB_CALLBACK_SECRET"] = secret,
            ["CALLBACK_ALLOW_LEGACY_SIGNATURE"] = "false",
        });
        var job = await runner.NewJobAsync();
        var environment = new Dictionary<string, string>
        {
            ["CALLBACK_URL"] = new Uri(runner.Client.BaseAddress!, "/api/webhooks/github").ToString(),
            ["CALLBACK_SECRET"] = secret,
        };

        AssertExit(Delivered, await CallbackAsync(job, "7009", ["claim"], environment));
        var wrongKey = await CallbackAsync(job, "7009", ["step", "vm_created"], new Dictionary<string, string>(environment) { ["CALLBACK_SECRET"] = secret[6..] });

        var (_, document) = await runner.GetJobAsync(job);
        Assert.Equal("7009", Text(document, "workflow_run_id"));
        Assert.Contains("(401)", wrongKey.Output, StringComparison.Ordinal);
        Assert.Null(Text(document, "current_step"));
    }

    [Theory]
    [InlineData("step created")]
    [InlineData("running server_id=1")]
    [InlineData("failed error=x")]
    [InlineData("failed failed_step=configure")]
    [InlineData("bogus")]
    public async Task CallbackScript_WrongUsage_ExitsTwoAndSendsNothing(string command)
    {
        var args = command.Split(' ');
        var job = await _runner.NewJobAsync();
        var (_, before) = await _runner.GetJobAsync(job);

        AssertExit(2, await CallbackAsync(job, "7010", args));

        var (_, after) = await _runner.GetJobAsync(job);
        Assert.Equal(Text(before, "updated_at"), Text(after, "updated_at"));
    }
}
