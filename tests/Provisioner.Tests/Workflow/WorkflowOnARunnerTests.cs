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
    public void ServerWorkflows_AreTheOnesThatJoinTheTailnet()
    {
        var joining = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, ".github", "workflows"), "*.yml")
            .Where(f => File.ReadAllText(f).Contains("uses: tailscale/github-action@", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal);

        Assert.Equal(ServerWorkflows.Order(StringComparer.Ordinal), joining);
    }
}
