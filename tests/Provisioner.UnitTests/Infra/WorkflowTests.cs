using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Infra;

/// <summary>The GitHub workflows' supply-chain rules, which nothing else would notice being broken.</summary>
public sealed partial class WorkflowTests
{
    public static TheoryData<string> Workflows() => ["ci.yml", "deploy.yml"];

    private static string[] Lines(string workflow) =>
        File.ReadAllLines(Path.Combine(RepositoryRoot.Path, ".github", "workflows", workflow));

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_PinsEveryActionByCommitSha_WithItsVersionBeside(string workflow)
    {
        var uses = Lines(workflow).Where(l => l.TrimStart().StartsWith("- uses:", StringComparison.Ordinal) || l.TrimStart().StartsWith("uses:", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(uses);
        Assert.All(uses, l => Assert.Matches(PinnedAction(), l));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_GrantsNothingByDefault(string workflow)
    {
        Assert.Contains("permissions: {}", Lines(workflow));
    }

    [Fact]
    public void Ci_RunsWhatDevelopersRun()
    {
        Assert.Contains(Lines("ci.yml"), l => l.Trim() == "run: bash .ci/run");
    }

    [GeneratedRegex(@"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")]
    private static partial Regex PinnedAction();
}
