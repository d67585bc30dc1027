using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;
using YamlDotNet.Serialization;

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

    /// <summary>
    /// Provisioning from deploy.yml passes every PROVISIONER_* value infra/main.parameters.json
    /// reads, in the provision step's own env: a @secure() parameter's from the secret of the same
    /// name, any other from the repository variable of the same name. One left out reaches azd
    /// empty, and the deployment would set the default whatever the repository says.
    /// </summary>
    [Fact]
    public void Deploy_PassesEveryValueTheParametersRead_SecretsFromSecrets_TheRestFromVariables()
    {
        var root = RepositoryRoot.Path;
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "infra", "main.parameters.json")))!["parameters"]!.AsObject();
        var secure = SecureParameters(File.ReadAllLines(Path.Combine(root, "infra", "main.bicep")));
        var env = ProvisionStepEnv();

        var checkedNames = 0;
        var wrong = new List<string>();
        foreach (var (parameter, value) in parameters)
        {
            var read = ParameterReads().Match(value?["value"]?.GetValue<string>() ?? "");
            if (!read.Success)
            {
                continue;
            }

            var name = read.Groups[1].Value;
            var source = secure.Contains(parameter) ? "secrets" : "vars";
            checkedNames++;
            if (!env.TryGetValue(name, out var given) || !Regex.IsMatch(given, $@"^\$\{{\{{ {source}\.{name}( \|\| '[^']*')? \}}\}}$"))
            {
                wrong.Add($"{name} ({parameter}): expected ${{{{ {source}.{name} }}}}, found {given ?? "nothing"}");
            }
        }

        Assert.True(checkedNames >= 20, $"read {checkedNames} PROVISIONER_* values from main.parameters.json");
        Assert.True(wrong.Count == 0, "deploy.yml's provision step:\n" + string.Join('\n', wrong));
    }

    /// <summary>The env: of deploy.yml's step that runs azd provision.</summary>
    private static Dictionary<string, string> ProvisionStepEnv()
    {
        var workflow = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(string.Join('\n', Lines("deploy.yml")));
        var jobs = (Dictionary<object, object>)workflow["jobs"];
        var step = jobs.Values.Cast<Dictionary<object, object>>()
            .SelectMany(job => ((List<object>)job["steps"]).Cast<Dictionary<object, object>>())
            .Single(s => s.TryGetValue("run", out var run) && ((string)run).Contains("azd provision", StringComparison.Ordinal));
        return ((Dictionary<object, object>)step["env"]).ToDictionary(p => (string)p.Key, p => (string)p.Value);
    }

    /// <summary>The parameters of a Bicep file marked @secure().</summary>
    private static HashSet<string> SecureParameters(string[] bicep)
    {
        var secure = new HashSet<string>(StringComparer.Ordinal);
        var marked = false;
        foreach (var line in bicep)
        {
            if (line.StartsWith("@secure()", StringComparison.Ordinal))
            {
                marked = true;
            }
            else if (line.StartsWith("param ", StringComparison.Ordinal))
            {
                if (marked)
                {
                    secure.Add(line.Split(' ')[1]);
                }

                marked = false;
            }
        }

        return secure;
    }

    [GeneratedRegex(@"^\$\{(PROVISIONER_\w+)")]
    private static partial Regex ParameterReads();

    [GeneratedRegex(@"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")]
    private static partial Regex PinnedAction();
}
