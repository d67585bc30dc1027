namespace Provisioner.Tests.Workflow;

/// <summary>
/// What a GitHub-hosted runner does with the workflows and playbooks, read statically: the
/// runner keeps its own DNS, agents stay on the tailnet while stopped, snapshot mode cannot end
/// <c>running</c> with the stand-in, and the clean-up finds the server of the attempt that made it.
/// </summary>
public sealed class WorkflowOnARunnerTests
{
    private static readonly string[] ServerWorkflows = ["provision-agent.yml", "build-agent-image.yml"];

    [Theory]
    [InlineData("provision-agent.yml")]
    [InlineData("build-agent-image.yml")]
    public void JoinTheTailnet_KeepsTheRunnersDns(string workflow)
    {
        var steps = WorkflowYaml.Steps(WorkflowYaml.Workflow(workflow))
            .Where(s => ((string?)s.Step["uses"])?.StartsWith("tailscale/github-action@", StringComparison.Ordinal) == true)
            .ToArray();

        Assert.NotEmpty(steps);
        // The action appends `args` to `tailscale up`, which otherwise takes the tailnet's DNS.
        Assert.All(steps, s => Assert.Contains("--accept-dns=false", ((string?)s.Step["with"]?["args"] ?? "").Split(' ')));
    }

    [Fact]
    public void AgentKey_IsNotEphemeral()
    {
        var mint = WorkflowYaml.Task(WorkflowYaml.PlaybookTasks("create-server.yml"), "Mint the server's single-use Tailscale key");
        var create = mint["ansible.builtin.uri"]?["body"]?["capabilities"]?["devices"]?["create"];

        Assert.NotNull(create);
        Assert.Equal("false", (string?)create["ephemeral"]);
        Assert.Equal("false", (string?)create["reusable"]);
        Assert.Equal("true", (string?)create["preauthorized"]);
    }

    [Fact]
    public void CleanUp_UsesTheProvisioningAttemptsRunId()
    {
        var workflow = WorkflowYaml.Workflow("provision-agent.yml");
        var provision = workflow["jobs"]!["provision"]!;
        var cleanUp = workflow["jobs"]!["clean-up"]!;

        // The provision job hands its attempt's id on, from a step that computes it.
        var output = (string?)provision["outputs"]?["run_id"];
        Assert.Equal("${{ steps.attempt.outputs.run_id }}", output);
        var attempt = provision["steps"]!.AsArray().Single(s => (string?)s?["id"] == "attempt");
        Assert.Contains("run_id=", (string?)attempt!["run"], StringComparison.Ordinal);

        // The clean-up job reports and deletes as that attempt, whatever its own attempt number.
        Assert.Equal("${{ needs.provision.outputs.run_id }}", (string?)cleanUp["env"]?["PROVISION_RUN_ID"]);
        Assert.DoesNotContain("GITHUB_RUN_ATTEMPT", cleanUp.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123", "2", null, "123.2")]
    [InlineData("123", "1", null, "123")]
    [InlineData("123", "2", "123", "123")]
    [InlineData("123", "3", "123.2", "123.2")]
    public async Task RunId_OfThePlaybooks_IsTheProvisioningAttempts(string runId, string attempt, string? provisionRunId, string expected)
    {
        var ansible = Path.Combine(RepositoryRoot.Path, "ansible");
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("ansible", ["localhost", "-m", "ansible.builtin.debug", "-a", "var=provision_run_id"])
            {
                WorkingDirectory = ansible,
                Environment = new Dictionary<string, string?>
                {
                    ["ANSIBLE_CONFIG"] = Path.Combine(ansible, "ansible.cfg"),
                    ["ANSIBLE_NOCOLOR"] = "1",
                    ["JOB_ID"] = "5f0c1a2b-0000-4000-8000-000000000001",
                    ["GITHUB_RUN_ID"] = runId,
                    ["GITHUB_RUN_ATTEMPT"] = attempt,
                    ["PROVISION_RUN_ID"] = provisionRunId,
                },
            },
            TimeSpan.FromSeconds(120));

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"\"provision_run_id\": \"{expected}\"", run.Output, StringComparison.Ordinal);
        // delete-server.yml finds the servers and the SSH key by it; create-server.yml labels them with it.
        Assert.Contains("run_id={{ provision_run_id }}", WorkflowYaml.ReadText("ansible", "playbooks", "delete-server.yml"), StringComparison.Ordinal);
        Assert.Contains("provision-{{ provision_job_id }}-{{ provision_run_id }}", WorkflowYaml.ReadText("ansible", "playbooks", "delete-server.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public void DeleteServer_RetriesEveryCall_AndFailsWhenTheServerIsStillThere()
    {
        var tasks = WorkflowYaml.PlaybookTasks("delete-server.yml").ToArray();
        var calls = tasks.Where(t => t.ContainsKey("hetzner.hcloud.hcloud_server") || t.ContainsKey("hetzner.hcloud.hcloud_server_info")
            || t.ContainsKey("hetzner.hcloud.hcloud_ssh_key") || t.ContainsKey("ansible.builtin.uri")).ToArray();

        Assert.NotEmpty(calls);
        Assert.All(calls, t => Assert.True(
            int.Parse((string?)t["retries"] ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 3 && ((string?)t["until"])?.EndsWith("is succeeded", StringComparison.Ordinal) == true,
            $"'{t["name"]}' is not retried until it succeeds"));
        Assert.Contains(tasks, t => t.ContainsKey("ansible.builtin.fail") && ((string?)t["when"])?.Contains("hcloud_server_info | length > 0", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void ServerWorkflows_AreTheOnesThatJoinTheTailnet()
    {
        var joining = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, ".github", "workflows"), "*.yml")
            .Where(f => File.ReadAllText(f).Contains("uses: tailscale/github-action@", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal);

        Assert.Equal(ServerWorkflows.Order(StringComparer.Ordinal), joining);
    }
}
