using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// Secrets only where used (docs/workflow.md, "Secrets"): no workflow puts a secret in its
/// workflow-level or a job-level <c>env:</c>, where every step would see it (third-party actions
/// and package installs included); each step that needs one names it in its own <c>env:</c>.
/// No script passes a secret on a command line, where any process could read it in /proc.
/// </summary>
public sealed partial class SecretScopeTests
{
    public static TheoryData<string> Workflows() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot.Path, ".github", "workflows"), "*.yml").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_PutsNoSecretInAWorkflowOrJobLevelEnv(string file)
    {
        var workflow = WorkflowYaml.Workflow(file);
        var found = new List<string>();
        found.AddRange(Secrets(workflow["env"]).Select(s => $"env (workflow level): {s}"));
        foreach (var (name, job) in workflow["jobs"]?.AsObject() ?? [])
        {
            found.AddRange(Secrets(job?["env"]).Select(s => $"jobs.{name}.env: {s}"));
        }

        Assert.True(found.Count == 0, $"{file} gives every step of a job a secret; move it to the env: of the steps that use it:\n" + string.Join('\n', found));
    }

    [Fact]
    public void TheCheck_FindsASecretInAJobLevelEnv()
    {
        var job = JsonNode.Parse("""{"env": {"CALLBACK_SECRET": "${{ secrets.GH_CALLBACK_SECRET }}", "JOB_ID": "${{ inputs.job_id }}"}}""");
        Assert.Equal(["CALLBACK_SECRET"], Secrets(job!["env"]));
    }

    [Fact]
    public void TheHandOverKey_ComesFromASecretOfItsOwn_OnlyInTheStepsThatDeriveIt()
    {
        var workflow = WorkflowYaml.Workflow("provision-agent.yml");
        var steps = workflow["jobs"]!.AsObject().SelectMany(j => j.Value?["steps"]?.AsArray() ?? []).OfType<JsonObject>().ToList();
        var deriving = steps.Where(s => (s["run"]?.GetValue<string>() ?? "").Contains("handover-key.sh", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(deriving);
        Assert.All(deriving, s =>
        {
            Assert.Equal("${{ secrets.HANDOVER_KEY_SECRET }}", s["env"]?["HANDOVER_KEY_SECRET"]?.GetValue<string>());
            Assert.Null(s["env"]?["CALLBACK_SECRET"]);
        });
        Assert.All(steps.Except(deriving), s => Assert.Null(s["env"]?["HANDOVER_KEY_SECRET"]));
    }

    [Fact]
    public void Scripts_PassNoSecretOnACommandLine()
    {
        var scripts = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, ".github", "scripts"), "*.sh");
        var found = new List<string>();
        foreach (var script in scripts)
        {
            foreach (var (line, number) in File.ReadLines(script).Select((l, i) => (l, i + 1)))
            {
                if (line.TrimStart().StartsWith('#'))
                {
                    continue;
                }

                // openssl's hexkey:/key: options, curl -H with a literal bearer value, curl form fields with a secret's value.
                if (line.Contains("hexkey:", StringComparison.Ordinal) || line.Contains("-macopt \"key:", StringComparison.Ordinal)
                    || BearerOnCommandLine().IsMatch(line) || SecretFormField().IsMatch(line))
                {
                    found.Add($"{Path.GetFileName(script)}:{number}: {line.Trim()}");
                }
            }
        }

        Assert.True(found.Count == 0, "a secret on a command line (pass it in a file or on stdin):\n" + string.Join('\n', found));
    }

    /// <summary>The names in an <c>env:</c> whose value reads a secret.</summary>
    private static List<string> Secrets(JsonNode? env) =>
        env is JsonObject map
            ? [.. map.Where(p => p.Value is JsonValue v && v.ToString().Contains("secrets.", StringComparison.Ordinal)).Select(p => p.Key)]
            : [];

    [GeneratedRegex(@"-H\s+[""']Authorization: Bearer \$")]
    private static partial Regex BearerOnCommandLine();

    [GeneratedRegex(@"--data(-urlencode)?\s+[""'](client_secret|password|token)=")]
    private static partial Regex SecretFormField();
}
