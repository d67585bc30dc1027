using System.Text.RegularExpressions;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// The failure reason the status page shows: the real <c>.github/scripts/run-playbook.sh</c>,
/// run as a workflow step runs it, with <c>ansible-playbook</c> replaced by a stub that prints
/// recorded Ansible output (<c>Workflow/Recorded/*.log</c>) and fails. The step output
/// <c>error</c> it writes to <c>$GITHUB_OUTPUT</c> is what the failure callback sends: the
/// message a person can act on, never Ansible's "output hidden" notice of a no_log task when
/// the play said more.
/// </summary>
public sealed partial class FailureReasonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("failure-reason-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Recorded(string name) => Path.Combine(RepositoryRoot.Path, "tests", "Provisioner.Tests", "Workflow", "Recorded", name);

    /// <summary>Runs <c>run-playbook.sh PLAYBOOK</c> with the stub printing <paramref name="recording"/>; returns its exit code and the <c>error</c> output.</summary>
    private async Task<(int ExitCode, string? Error, string Output)> RunPlaybookAsync(string playbook, string recording)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        var stub = Path.Combine(bin, "ansible-playbook");
        File.WriteAllText(stub, "#!/usr/bin/env bash\ncat \"$RECORDED_ANSIBLE_OUTPUT\"\nexit 2\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var output = Path.Combine(_dir, "github-output");
        File.WriteAllText(output, "");

        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "run-playbook.sh"), playbook])
            {
                WorkingDirectory = RepositoryRoot.Path,
                Environment = new Dictionary<string, string?>
                {
                    ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
                    ["RECORDED_ANSIBLE_OUTPUT"] = Recorded(recording),
                    ["GITHUB_OUTPUT"] = output,
                    ["RUNNER_TEMP"] = _dir,
                },
            },
            TimeSpan.FromSeconds(60));

        var error = ErrorOutput().Match(File.ReadAllText(output));
        return (run.ExitCode, error.Success ? error.Groups["value"].Value : null, run.Output);
    }

    [Theory]
    // A no_log task's censored line, then the rescue's own message.
    [InlineData("create-server.yml", "create-server-hetzner-refused.log", "create-server: Hetzner refused the server: server limit reached for this project (resource_limit_exceeded)")]
    [InlineData("create-server.yml", "create-server-tag-not-owned.log", "create-server: Tailscale refused the key request (HTTP 400): check TS_OAUTH_CLIENT_ID, TS_OAUTH_SECRET, the auth_keys scope and that the client owns tag:agent")]
    // The censored wait, followed by its explicit failure.
    [InlineData("create-server.yml", "create-server-never-joined.log", "create-server: Server agent-demo-1-5f0c1a2b (58391234) did not join the tailnet within 8 minutes.")]
    // An ignored failure earlier in the play is not the reason.
    [InlineData("configure.yml", "configure-agent-not-up.log", "configure: The agent is not up: service running, http://127.0.0.1:8080/healthz answered -1")]
    [InlineData("install.yml", "install-unreachable.log", "install: timed out waiting for ping module test: Failed to connect to the host via ssh: ssh: connect to host 100.64.0.10 port 22: Connection timed out (task: Wait until the server answers over SSH)")]
    [InlineData("delete-server.yml", "delete-server-locked.log", "delete-server: server is locked (locked) (task: Delete the servers)")]
    [InlineData("create-server.yml", "syntax-error.log", "create-server: ERROR! couldn't resolve module/action 'hetzner.hcloud.hcloud_serverx'.")]
    public async Task RunPlaybook_Failure_ReportsTheMessageAPersonCanActOn(string playbook, string recording, string expectedStart)
    {
        var (exitCode, error, output) = await RunPlaybookAsync(playbook, recording);

        Assert.True(exitCode == 2, $"exit {exitCode}: {output}");
        Assert.NotNull(error);
        Assert.StartsWith(expectedStart, error, StringComparison.Ordinal);
        Assert.DoesNotContain("censored", error, StringComparison.Ordinal);
        Assert.DoesNotContain("has been hidden", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public async Task RunPlaybook_OnlyACensoredFailure_NamesTheTaskInsteadOfTheNotice()
    {
        var (_, error, _) = await RunPlaybookAsync("create-server.yml", "create-server-wait-censored.log");

        Assert.NotNull(error);
        Assert.StartsWith("create-server: the task 'Wait for the server to join the tailnet' failed", error, StringComparison.Ordinal);
        Assert.DoesNotContain("censored", error, StringComparison.Ordinal);
    }

    /// <summary>Every no_log task whose failure would otherwise be the reason is rescued, or cannot fail and is followed by a fail task.</summary>
    [Theory]
    [InlineData("create-server.yml")]
    [InlineData("snapshot-server.yml")]
    public void Playbooks_NoLogTasks_AreRescuedOrCannotFail(string playbook)
    {
        var plays = WorkflowYaml.Playbook(playbook);
        var rescued = plays.SelectMany(play => WorkflowYaml.Tasks(play?["tasks"]))
            .Where(t => t["rescue"] is not null)
            .SelectMany(t => WorkflowYaml.Tasks(t["block"]))
            .ToHashSet();
        var noLog = plays.SelectMany(play => WorkflowYaml.Tasks(play?["tasks"]))
            .Where(t => (string?)t["no_log"] == "true")
            .ToArray();
        var unguarded = noLog
            .Where(t => !rescued.Contains(t) && (string?)t["failed_when"] != "false")
            .Select(t => (string?)t["name"])
            .ToArray();

        // The playbook hides secrets with no_log: finding none means the walk above saw nothing to check.
        Assert.NotEmpty(noLog);
        Assert.True(unguarded.Length == 0, $"{playbook}: no_log tasks whose failure would reach the page as 'output hidden': {string.Join(", ", unguarded)}");
    }

    [GeneratedRegex(@"^error<<(?<delimiter>\S+)\n(?<value>.*?)\n\k<delimiter>$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ErrorOutput();
}
