using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

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

    /// <summary>
    /// The agent's server keeps its own DNS too: a tailnet that overrides DNS would otherwise take
    /// the agent's lookups (its release, its APIs, the backend) the moment it joins.
    /// </summary>
    [Fact]
    public void AgentJoinsTheTailnet_KeepingItsOwnDns()
    {
        var template = WorkflowYaml.ReadText("ansible", "playbooks", "templates", "cloud-init.yml.j2");
        var up = template.Split('\n').Where(l => l.TrimStart().StartsWith("tailscale up ", StringComparison.Ordinal)).ToArray();

        Assert.NotEmpty(up);
        Assert.All(up, l => Assert.Contains("--accept-dns=false", l.Split(' ')));
    }

    private static readonly string[] PlayParts = ["pre_tasks", "tasks", "post_tasks"];

    /// <summary>
    /// A template expression that reads a token or a key: what a task holds when it handles one
    /// (the hcloud modules hide their api_token themselves; a bare <c>| length</c> test in an
    /// assert or a when prints no value and has no braces).
    /// </summary>
    private static readonly Regex SecretExpression = new(@"\{\{[^}]*(access_token|provision_hcloud_token|TS_OAUTH_SECRET|TS_OAUTH_CLIENT_ID|snapshot_auth|tailscale_key|auth_key|agent_key|AGENT_KEY)[^}]*\}\}", RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Tasks that read a secret on purpose to print a message without it.</summary>
    private static readonly string[] MaskingTasks = ["playbooks/create-server.yml: Say what failed, without the secrets"];

    [Fact]
    public void EveryTaskThatHandlesAToken_IsNoLog()
    {
        var root = Path.Combine(RepositoryRoot.Path, "ansible");
        var files = Directory.EnumerateFiles(Path.Combine(root, "playbooks"), "*.yml")
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "roles"), "*.yml", SearchOption.AllDirectories).Where(f => f.Contains($"{Path.DirectorySeparatorChar}tasks{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            .ToArray();
        var offenders = new List<string>();
        foreach (var file in files)
        {
            var tree = WorkflowYaml.Load(Path.GetRelativePath(RepositoryRoot.Path, file));
            var tasks = tree.AsArray().OfType<JsonObject>().Any(p => p.ContainsKey("hosts"))
                ? tree.AsArray().OfType<JsonObject>().SelectMany(play => PlayParts.SelectMany(part => WorkflowYaml.Tasks(play[part])))
                : WorkflowYaml.Tasks(tree);
            foreach (var task in tasks.Where(t => !t.ContainsKey("block")))
            {
                var module = task.Select(p => p.Key).FirstOrDefault(k => k.Contains('.', StringComparison.Ordinal)) ?? "";
                var text = task.ToJsonString();
                var name = $"{Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/')}: {task["name"]}";
                if (!module.StartsWith("hetzner.hcloud.", StringComparison.Ordinal) && SecretExpression.IsMatch(text) && (string?)task["no_log"] != "true" && !MaskingTasks.Contains(name))
                {
                    offenders.Add(name);
                }
            }
        }

        Assert.True(offenders.Count == 0, "tasks that handle a token without no_log:\n" + string.Join('\n', offenders));
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

    [Theory]
    [InlineData("true", "4242424242", "1", "agent-image-builder-4242424242")]
    [InlineData("true", "4242424242", "2", "agent-image-builder-4242424242-2")]
    [InlineData("true", "4242424299", "1", "agent-image-builder-4242424299")]
    [InlineData("false", "4242424242", "1", "agent-agent-1-5f0c1a2b")]
    public async Task ServerName_OfAnImageBuilder_IsItsRunsOwn(string imageBuild, string runId, string attempt, string expected)
    {
        var ansible = Path.Combine(RepositoryRoot.Path, "ansible");
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("ansible", ["localhost", "-m", "ansible.builtin.debug", "-a", "var=provision_server_name"])
            {
                WorkingDirectory = ansible,
                Environment = new Dictionary<string, string?>
                {
                    ["ANSIBLE_CONFIG"] = Path.Combine(ansible, "ansible.cfg"),
                    ["ANSIBLE_NOCOLOR"] = "1",
                    ["JOB_ID"] = imageBuild == "true" ? "image-" + runId : "5f0c1a2b-0000-4000-8000-000000000001",
                    ["AGENT_ID"] = imageBuild == "true" ? "image-builder" : "agent-1",
                    ["IMAGE_BUILD"] = imageBuild,
                    ["GITHUB_RUN_ID"] = runId,
                    ["GITHUB_RUN_ATTEMPT"] = attempt,
                    ["PROVISION_RUN_ID"] = null,
                },
            },
            TimeSpan.FromSeconds(120));

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"\"provision_server_name\": \"{expected}\"", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateServer_DeletesLeftoverBuilders_AndRefusesAServerOfItsNameFromAnotherRun_BeforeCreating()
    {
        var tasks = WorkflowYaml.PlaybookTasks("create-server.yml").Select(t => (string?)t["name"]).ToList();
        var create = tasks.IndexOf("Create the server, trying the next type or location when one has no capacity");

        Assert.True(create > 0, "create-server.yml has no create task");
        Assert.InRange(tasks.IndexOf("Delete leftover image builders"), 0, create);
        Assert.InRange(tasks.IndexOf("Stop when a server of this name belongs to another run"), 0, create);
        var delete = WorkflowYaml.Task(WorkflowYaml.PlaybookTasks("create-server.yml"), "Delete leftover image builders");
        Assert.Equal("absent", (string?)delete["hetzner.hcloud.hcloud_server"]!["state"]);
        Assert.Equal("provision_image_build", (string?)delete["when"]);
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
    public void SnapshotMode_InstallsTheConfiguredRelease_AndTheImageCarriesIt()
    {
        // configure-snapshot.yml runs agent_runtime's install tasks, the release's among them.
        var play = WorkflowYaml.Playbook("configure-snapshot.yml").Single()!;
        var runtime = play["roles"]!.AsArray().Single(r => (string?)r?["role"] == "agent_runtime")!;
        Assert.NotEqual("false", (string?)runtime["vars"]?["agent_runtime_install"]);

        // The image build installs the configured release, and the provisioning run compares digests that cover it.
        var build = WorkflowYaml.Workflow("build-agent-image.yml")["jobs"]!["build"]!["env"]!;
        Assert.Equal("${{ vars.AGENT_RELEASE_URL }}", (string?)build["AGENT_RELEASE_URL"]);
        Assert.Equal("${{ vars.AGENT_RELEASE_SHA256 }}", (string?)build["AGENT_RELEASE_SHA256"]);
        var create = WorkflowYaml.Steps(WorkflowYaml.Workflow("provision-agent.yml")).Single(s => (string?)s.Step["id"] == "create").Step;
        Assert.Equal("${{ vars.AGENT_RELEASE_SHA256 }}", (string?)create["env"]?["AGENT_RELEASE_SHA256"]);
    }

    [Fact]
    public async Task ImageDigest_ChangesWithTheRelease()
    {
        async Task<string> DigestAsync(string? release)
        {
            var run = await ChildProcess.RunAsync(
                new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "roles-digest.sh")])
                {
                    WorkingDirectory = RepositoryRoot.Path,
                    Environment = new Dictionary<string, string?> { ["AGENT_RELEASE_SHA256"] = release },
                },
                TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.Output);
            return run.StandardOutput.Trim();
        }

        var standIn = await DigestAsync(null);
        var release1 = await DigestAsync(new string('a', 64));
        var release2 = await DigestAsync(new string('b', 64));

        Assert.Matches("^[0-9a-f]{16}$", standIn);
        Assert.Equal(3, new[] { standIn, release1, release2 }.Distinct().Count());
        Assert.Equal(release1, await DigestAsync(new string('A', 64)));
    }

    /// <summary>
    /// The health check's conditions about the release, taken from agent_health's assert and
    /// evaluated by Ansible: the stand-in answering 200 on a server where a release is
    /// configured fails them, so snapshot mode cannot reach <c>running</c> with it.
    /// </summary>
    [Fact]
    public async Task HealthCheck_StandInWhereAReleaseIsConfigured_Fails()
    {
        var tasks = WorkflowYaml.Tasks(WorkflowYaml.Load("ansible", "roles", "agent_health", "tasks", "check.yml"));
        var assert = tasks.Single(t => t.ContainsKey("ansible.builtin.assert"))["ansible.builtin.assert"]!;
        var conditions = assert["that"]!.AsArray().Select(c => (string?)c).Where(c => c!.Contains("agent_health_release_sha256", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(conditions);
        Assert.Contains(conditions, c => c!.Contains("stand_in", StringComparison.Ordinal));

        var release = new string('c', 64);
        JsonObject Case(string name, string sha, bool standIn, bool marker) => new()
        {
            ["name"] = name,
            ["ansible.builtin.assert"] = new JsonObject { ["that"] = new JsonArray([.. conditions.Select(c => JsonValue.Create(c))]), ["quiet"] = true },
            ["vars"] = new JsonObject
            {
                ["agent_health_release_sha256"] = sha,
                ["agent_health_answer"] = new JsonObject { ["status"] = 200, ["json"] = new JsonObject { ["status"] = "ok", ["stand_in"] = standIn } },
                ["agent_health_release"] = sha.Length > 0 ? new JsonObject { ["stat"] = new JsonObject { ["exists"] = marker } } : new JsonObject { ["skipped"] = true },
            },
            ["register"] = name,
            ["ignore_errors"] = true,
        };
        string[] cases = ["stand_in_with_release", "release_without_marker", "release_runs", "stand_in_without_release"];
        var playbook = new JsonArray(new JsonObject
        {
            ["hosts"] = "localhost",
            ["connection"] = "local",
            ["gather_facts"] = false,
            ["tasks"] = new JsonArray(
                Case(cases[0], release, standIn: true, marker: true),
                Case(cases[1], release, standIn: false, marker: false),
                Case(cases[2], release, standIn: false, marker: true),
                Case(cases[3], "", standIn: true, marker: false),
                new JsonObject { ["ansible.builtin.debug"] = new JsonObject { ["msg"] = "FAILED=" + string.Join(',', cases.Select(c => "{{ " + c + " is failed }}")) } }),
        });
        var dir = Directory.CreateTempSubdirectory("health-check-").FullName;
        try
        {
            var file = Path.Combine(dir, "play.yml");
            File.WriteAllText(file, playbook.ToJsonString());
            var run = await ChildProcess.RunAsync(
                new ChildProcessOptions("ansible-playbook", ["-i", "localhost,", file])
                {
                    WorkingDirectory = dir,
                    Environment = new Dictionary<string, string?> { ["ANSIBLE_NOCOLOR"] = "1", ["ANSIBLE_PYTHON_INTERPRETER"] = "auto_silent" },
                },
                TimeSpan.FromSeconds(120));

            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("\"FAILED=True,True,False,False\"", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A job sees an environment's secrets only when it names the environment: the docs may
    /// promise environment secrets only if every job that reads secrets names one.
    /// </summary>
    [Fact]
    public void Docs_PromiseEnvironmentSecrets_OnlyWhenTheJobsNameAnEnvironment()
    {
        var jobs = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, ".github", "workflows"), "*.yml")
            .Select(f => WorkflowYaml.Workflow(Path.GetFileName(f)))
            .SelectMany(w => w["jobs"]!.AsObject().Select(j => j.Value!))
            .Where(j => j.ToJsonString().Contains("secrets.", StringComparison.Ordinal))
            .ToArray();
        var docs = Regex.Replace(WorkflowYaml.ReadText("docs", "workflow.md"), @"\s+", " ");
        var promised = Regex.IsMatch(docs, @"\(or environment\)|environment secrets(?! are not read)", RegexOptions.IgnoreCase);

        Assert.NotEmpty(jobs);
        if (jobs.All(j => j["environment"] is not null))
        {
            return;
        }

        Assert.False(promised, "docs/workflow.md promises environment secrets, but a job that reads secrets names no environment");
        Assert.Contains("Environment secrets are not read", docs, StringComparison.Ordinal);
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
