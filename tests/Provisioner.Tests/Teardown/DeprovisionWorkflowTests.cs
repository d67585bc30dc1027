using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;
using Provisioner.Tests.Workflow;

namespace Provisioner.Tests.Teardown;

/// <summary>
/// <c>deprovision-agent.yml</c> read statically, and its scripts run as the workflow runs them:
/// the real <c>callback.sh</c> and <c>check-inputs.sh</c> against the local runner and Azurite,
/// with legacy signatures off, in the workflow's order.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class DeprovisionWorkflowTests(Azurite azurite) : IAsyncLifetime
{
    private const string File = "deprovision-agent.yml";

    /// <summary>The script calls of deprovision-agent.yml, in its order; the tests below play them in this order.</summary>
    private static readonly string[] WorkflowCalls =
    [
        "check-inputs.sh deprovision", "callback.sh claim", "heartbeat.sh start", "run-playbook.sh delete-server.yml", "heartbeat.sh stop", "callback.sh removed", "callback.sh failed", "callback.sh cancelled",
    ];

    private Runner _runner = null!;

    public async Task InitializeAsync() =>
        _runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["CALLBACK_ALLOW_LEGACY_SIGNATURE"] = "false" });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private static JsonNode Workflow => WorkflowYaml.Workflow(File);

    [Fact]
    public void DeprovisionWorkflow_CallsTheScripts_InTheOrderTheseTestsPlay()
    {
        var text = WorkflowYaml.ReadText(".github", "workflows", File);
        var calls = Regex.Matches(text, @"bash \.github/scripts/(?<call>(?:callback|heartbeat|check-inputs|run-playbook)\.sh [\w.-]+)")
            .Select(m => m.Groups["call"].Value)
            .ToArray();

        Assert.Equal(WorkflowCalls, calls);
    }

    [Fact]
    public void DeprovisionWorkflow_GrantsNothingByDefault_AndEachJobAnIdToken()
    {
        var workflow = Workflow;
        Assert.Empty(workflow["permissions"]!.AsObject());
        foreach (var name in new[] { "remove", "report" })
        {
            var permissions = workflow["jobs"]![name]!["permissions"]!;
            Assert.Equal("write", (string?)permissions["id-token"]);
            Assert.Equal("read", (string?)permissions["contents"]);
        }
    }

    [Fact]
    public void DeprovisionWorkflow_ReportsOnlyAfterAClaim_AndNeverAfterRemoved()
    {
        var condition = (string?)Workflow["jobs"]!["report"]!["if"];
        Assert.Contains("needs.remove.outputs.claimed == 'true'", condition, StringComparison.Ordinal);
        Assert.Contains("needs.remove.outputs.reported_removed != 'true'", condition, StringComparison.Ordinal);
        Assert.Contains("always()", condition, StringComparison.Ordinal);

        // The run id the claim used is the one the report sends.
        Assert.Equal("${{ needs.remove.outputs.run_id }}", (string?)Workflow["jobs"]!["report"]!["env"]!["PROVISION_RUN_ID"]);
        var failed = Workflow["jobs"]!["report"]!["steps"]!.AsArray().Single(s => ((string?)s!["run"])?.Contains("callback.sh failed", StringComparison.Ordinal) == true)!;
        Assert.Contains("failed_step=remove", (string?)failed["run"], StringComparison.Ordinal);
    }

    [Fact]
    public void DeprovisionWorkflow_RemovesThroughTheCleanUpsPlaybook_ByTheServerIdItWasGiven()
    {
        var step = Workflow["jobs"]!["remove"]!["steps"]!.AsArray().Single(s => (string?)s!["id"] == "remove")!;
        Assert.Equal("bash .github/scripts/run-playbook.sh delete-server.yml", (string?)step["run"]);
        Assert.Equal("${{ inputs.server_id }}", (string?)step["env"]!["DELETE_SERVER_ID"]);

        // The playbook refuses a server that is not the provisioner's for this agent, and a gone one counts as removed.
        var tasks = WorkflowYaml.PlaybookTasks("delete-server.yml").ToArray();
        var check = WorkflowYaml.Task(tasks, "Refuse a server the provisioner did not make for this agent");
        var that = string.Join('\n', check["ansible.builtin.assert"]!["that"]!.AsArray().Select(t => (string?)t));
        Assert.Contains("managed_by", that, StringComparison.Ordinal);
        Assert.Contains("agent_id", that, StringComparison.Ordinal);
        var ask = WorkflowYaml.Task(tasks, "Ask Hetzner for the server");
        Assert.Equal(["200", "404"], ask["ansible.builtin.uri"]!["status_code"]!.AsArray().Select(c => c!.ToString()));
        Assert.Equal("true", ask["no_log"]?.ToString().ToLowerInvariant()); // the request carries the Hetzner token
    }

    [Theory]
    [InlineData("58391234", 0)]
    [InlineData("", 1)]
    [InlineData("1; rm -rf /", 1)]
    public async Task CheckInputs_Deprovision_ChecksTheServerIdAndNeedsNoRegion(string serverId, int exit)
    {
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "check-inputs.sh"), "deprovision"])
            {
                WorkingDirectory = RepositoryRoot.Path,
                Environment = new Dictionary<string, string?>
                {
                    ["JOB_ID"] = Guid.NewGuid().ToString(),
                    ["AGENT_ID"] = "agent-1",
                    ["SERVER_ID"] = serverId,
                    ["CALLBACK_URL"] = "https://provisioner.example.com/api/webhooks/github",
                    ["REGION"] = null,
                },
            },
            TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == exit, run.Output);
    }

    private async Task<(int ExitCode, string Output)> CallbackAsync(Guid job, string runId, params string[] args)
    {
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "callback.sh"), .. args])
            {
                WorkingDirectory = RepositoryRoot.Path,
                Environment = new Dictionary<string, string?>
                {
                    ["CALLBACK_URL"] = new Uri(_runner.Client.BaseAddress!, "/api/webhooks/github").ToString(),
                    ["JOB_ID"] = job.ToString(),
                    ["CALLBACK_SECRET"] = Runner.Secret,
                    ["GITHUB_RUN_ID"] = runId,
                    ["GITHUB_RUN_ATTEMPT"] = "1",
                    ["GITHUB_SERVER_URL"] = "https://github.com",
                    ["GITHUB_REPOSITORY"] = "octo/infra",
                    ["CALLBACK_MAX_ATTEMPTS"] = null,
                    ["CALLBACK_RETRY_BASE_SECONDS"] = "0.05",
                    ["CALLBACK_RETRY_MAX_SECONDS"] = "0.2",
                },
            },
            TimeSpan.FromSeconds(60));
        return (run.ExitCode, run.Output);
    }

    private async Task<(string Agent, Guid Provision, Guid Deprovision)> TearDownAsync()
    {
        var agent = Runner.NewAgentId();
        var provision = await _runner.NewJobAsync(agent);
        Assert.Equal(0, (await CallbackAsync(provision, "8100", "claim")).ExitCode);
        Assert.Equal(0, (await CallbackAsync(provision, "8100", "running", "server_id=58391234", "server_ip=203.0.113.10", "tailscale_ip=100.64.0.10")).ExitCode);
        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        return (agent, provision, (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task CallbackScript_InTheDeprovisionWorkflowsOrder_RemovesTheServer()
    {
        var (agent, provision, job) = await TearDownAsync();

        var claim = await CallbackAsync(job, "8200", "claim");
        Assert.True(claim.ExitCode == 0, claim.Output);
        var removing = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("provisioning", removing.GetProperty("status").GetString());
        Assert.Equal("active", removing.GetProperty("steps")[1].GetProperty("state").GetString());

        // A second run of the same job (a retried dispatch) is refused before it deletes anything.
        Assert.Equal(3, (await CallbackAsync(job, "8201", "claim")).ExitCode);

        var removed = await CallbackAsync(job, "8200", "removed", "server_id=58391234");
        Assert.True(removed.ExitCode == 0, removed.Output);
        var done = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("running", done.GetProperty("status").GetString());
        Assert.All(done.GetProperty("steps").EnumerateArray(), s => Assert.Equal("completed", s.GetProperty("state").GetString()));
        var document = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative)));
        Assert.Equal(provision, document.GetProperty("job_id").GetGuid());
        Assert.Equal(job, document.GetProperty("server").GetProperty("removed_by_job_id").GetGuid());
    }

    [Fact]
    public async Task CallbackScript_DeprovisionFails_TheErrorLandsOnRemovingServer()
    {
        var (_, _, job) = await TearDownAsync();
        Assert.Equal(0, (await CallbackAsync(job, "8300", "claim")).ExitCode);

        var failed = await CallbackAsync(job, "8300", "failed", "failed_step=remove", "error=delete-server: server 58391234 is locked", "server_id=58391234");

        Assert.True(failed.ExitCode == 0, failed.Output);
        var document = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal("removing", document.GetProperty("error").GetProperty("step_id").GetString());
        Assert.Equal("remove", document.GetProperty("error").GetProperty("failed_step").GetString());
    }

    [Fact]
    public async Task CallbackScript_RemovedWithoutTheServerId_IsWrongUsageAndSendsNothing()
    {
        var (_, _, job) = await TearDownAsync();

        var run = await CallbackAsync(job, "8400", "removed");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("queued", (await _runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
    }
}
