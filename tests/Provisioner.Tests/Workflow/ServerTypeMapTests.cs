using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// The Hetzner server type of each location is chosen in one place,
/// <c>provision_server_types</c> in <c>ansible/inventory/group_vars/all.yml</c>: every location
/// the region map can send a run to has one, and no workflow, action, script or playbook names a
/// type anywhere else (a stale <c>cx22</c> default in a workflow failed every real run).
/// </summary>
public sealed partial class ServerTypeMapTests
{
    private static readonly string GroupVars = Path.Combine("ansible", "inventory", "group_vars", "all.yml");

    /// <summary>Where workflows, actions, scripts and playbooks live.</summary>
    private static readonly string[] CodeDirectories = [".github", "ansible"];

    /// <summary>The Hetzner modules that create something; none may run before the server type is checked.</summary>
    private static readonly string[] CreatingModules = ["hetzner.hcloud.hcloud_ssh_key:", "hetzner.hcloud.hcloud_firewall:", "hetzner.hcloud.hcloud_server:"];

    private static readonly string[] ServerWorkflows = ["provision-agent.yml", "build-agent-image.yml"];

    /// <summary>The <c>key: [a, b, ...]</c> lines of the top-level YAML mapping <paramref name="name"/> in group_vars/all.yml.</summary>
    private static Dictionary<string, string[]> Mapping(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, GroupVars));
        var start = Array.IndexOf(lines, name + ":");
        Assert.True(start >= 0, $"{GroupVars} has no top-level mapping {name}");
        var entries = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)))
        {
            var entry = MappingEntry().Match(line);
            Assert.True(entry.Success, $"{GroupVars}, {name}: '{line}' is not a plain 'key: [value, ...]' entry");
            entries.Add(entry.Groups["key"].Value, [.. entry.Groups["value"].Value.Split(',', StringSplitOptions.TrimEntries)]);
        }

        Assert.NotEmpty(entries);
        return entries;
    }

    [Fact]
    public void ServerTypeMap_HasAtLeastTwoTypesForEveryLocationTheRegionMapUses()
    {
        var locations = Mapping("provision_locations").Values.SelectMany(l => l).Distinct(StringComparer.Ordinal).ToArray();
        var types = Mapping("provision_server_types");

        Assert.All(locations, location => Assert.True(
            types.TryGetValue(location, out var list) && list.Length >= 2 && list.All(ServerTypeName().IsMatch) && list.Distinct(StringComparer.Ordinal).Count() == list.Length,
            $"provision_server_types has no fallback for {location} (it needs at least two server types, in the order they are tried), which provision_locations maps a region to"));
        // One architecture per list: the stock image is looked up for the first type's architecture (Arm types start with cax).
        Assert.All(types, entry => Assert.Single(entry.Value.Select(t => t.StartsWith("cax", StringComparison.Ordinal)).Distinct()));
        Assert.All(types.Keys, location => Assert.Contains(location, locations));
    }

    [Fact]
    public void RegionMap_EveryRegionHasItsLocationsInOrder_AndTheEuropeanOnesFallBackToAnother()
    {
        var regions = Mapping("provision_locations");

        Assert.All(regions, r => Assert.NotEmpty(r.Value));
        Assert.Equal(["fsn1", "nbg1"], regions["eu-central"]);
        Assert.Equal(["nbg1", "fsn1"], regions["eu-west"]);
    }

    [Fact]
    public void ServerTypeMap_IsTheOnlyPlaceThatNamesAServerType()
    {
        var root = RepositoryRoot.Path;
        var files = CodeDirectories
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(root, dir), "*", SearchOption.AllDirectories))
            .Where(f => !f.EndsWith(Path.DirectorySeparatorChar + GroupVars, StringComparison.Ordinal))
            .ToArray();
        Assert.Contains(files, f => f.EndsWith("create-server.yml", StringComparison.Ordinal));

        // Comments may tell the story (cx22 was retired); code, defaults and messages may not name a type.
        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, n) => (File: Path.GetRelativePath(root, f), Line: n + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith('#') && ServerTypeInText().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToArray();

        Assert.True(offenders.Length == 0, "server types named outside provision_server_types:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void CreateServer_TakesTheVariableFirst_ThenTheLocationsEntry_AndAsksHetznerBeforeCreating()
    {
        var play = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "ansible", "playbooks", "create-server.yml"));

        Assert.Contains("lookup('ansible.builtin.env', 'HETZNER_SERVER_TYPE') }}", play, StringComparison.Ordinal);
        Assert.Contains("([create_server_type_given] if create_server_type_given else provision_server_types.get(location, []))", play, StringComparison.Ordinal);
        var lookUp = play.IndexOf("hetzner.hcloud.hcloud_server_type_info:", StringComparison.Ordinal);
        var stop = play.IndexOf("- name: Stop when no server type can be had where the run builds", StringComparison.Ordinal);
        var firstCreate = CreatingModules.Min(m => play.IndexOf(m, StringComparison.Ordinal));
        Assert.True(lookUp > 0 && stop > lookUp && firstCreate > stop, "the server type is looked up and checked before anything is created at Hetzner");

        foreach (var workflow in ServerWorkflows)
        {
            var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "workflows", workflow));
            Assert.Contains("HETZNER_SERVER_TYPE: ${{ vars.HETZNER_SERVER_TYPE }}", text, StringComparison.Ordinal);
        }
    }

    private static JsonObject Type(string name, int disk, params (string Location, bool Available)[] locations) => new()
    {
        ["name"] = name,
        ["architecture"] = "x86",
        ["disk"] = disk,
        ["locations"] = new JsonArray([.. locations.Select(l => (JsonNode)new JsonObject { ["name"] = l.Location, ["available"] = l.Available, ["deprecation"] = null })]),
    };

    /// <summary>
    /// create-server.yml's own expressions (its play vars), evaluated by Ansible with the group
    /// vars and a server type catalogue as Hetzner's API gives it: the (type, location) pairs it
    /// will try, in order.
    /// </summary>
    private static async Task<string> CandidatesAsync(string region, JsonArray catalogue, string given = "", int imageDisk = 0)
    {
        var playVars = WorkflowYaml.Playbook("create-server.yml")[0]!["vars"]!.AsObject();
        var vars = new JsonObject
        {
            ["create_server_type_given"] = given,
            ["create_type_catalogue"] = new JsonObject { ["hcloud_server_type_info"] = catalogue.DeepClone() },
            ["create_use_snapshot"] = imageDisk > 0,
            ["create_snapshot_disk"] = new JsonObject { ["json"] = new JsonObject { ["image"] = new JsonObject { ["disk_size"] = imageDisk } } },
        };
        foreach (var name in new[] { "create_locations", "create_catalogue", "create_wanted", "create_offered", "create_architecture", "create_candidates", "create_image_disk" })
        {
            vars[name] = playVars[name]!.DeepClone();
        }

        var playbook = new JsonArray(new JsonObject
        {
            ["hosts"] = "localhost",
            ["connection"] = "local",
            ["gather_facts"] = false,
            ["vars_files"] = new JsonArray(Path.Combine(RepositoryRoot.Path, GroupVars)),
            ["vars"] = vars,
            ["tasks"] = new JsonArray(new JsonObject { ["ansible.builtin.debug"] = new JsonObject { ["msg"] = "TRIED={{ create_candidates | map(attribute='type') | zip(create_candidates | map(attribute='location')) | map('join', '@') | join(' ') }}" } }),
        });
        var dir = Directory.CreateTempSubdirectory("candidates-").FullName;
        try
        {
            var file = Path.Combine(dir, "play.yml");
            File.WriteAllText(file, playbook.ToJsonString());
            var run = await ChildProcess.RunAsync(
                new ChildProcessOptions("ansible-playbook", ["-i", "localhost,", file])
                {
                    WorkingDirectory = dir,
                    // The region reaches the play as it does in a run: REGION, read by group_vars/all.yml.
                    Environment = new Dictionary<string, string?> { ["ANSIBLE_NOCOLOR"] = "1", ["ANSIBLE_PYTHON_INTERPRETER"] = "auto_silent", ["REGION"] = region },
                },
                TimeSpan.FromSeconds(120));
            Assert.True(run.ExitCode == 0, run.Output);
            var line = run.Output.Split('\n').Single(l => l.Contains("\"msg\": \"TRIED=", StringComparison.Ordinal));
            return line[(line.IndexOf("TRIED=", StringComparison.Ordinal) + 6)..line.LastIndexOf('"')];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Candidates_FallBackToTheNextTypeThenTheNextLocation_SkippingWhatIsNotAvailable()
    {
        var catalogue = new JsonArray(
            Type("cx23", 40, ("fsn1", false), ("nbg1", true)),
            Type("cpx22", 80, ("fsn1", true), ("nbg1", true)),
            Type("cx33", 80, ("nbg1", true)));

        // fsn1 first (cx23 has no capacity there, cx33 is not sold there), then nbg1's list.
        Assert.Equal("cpx22@fsn1 cx23@nbg1 cpx22@nbg1 cx33@nbg1", await CandidatesAsync("eu-central", catalogue));
        // HETZNER_SERVER_TYPE replaces the lists, the locations still fall back.
        Assert.Equal("cx23@nbg1", await CandidatesAsync("eu-central", catalogue, given: "cx23"));
        // A Hetzner location name is taken as it is, alone.
        Assert.Equal("cx23@nbg1 cpx22@nbg1 cx33@nbg1", await CandidatesAsync("nbg1", catalogue));
    }

    [Fact]
    public async Task Candidates_InSnapshotMode_OnlyTypesWhoseDiskHoldsTheImage()
    {
        var catalogue = new JsonArray(
            Type("cx23", 40, ("fsn1", true), ("nbg1", true)),
            Type("cpx22", 80, ("fsn1", true), ("nbg1", true)),
            Type("cx33", 80, ("fsn1", true), ("nbg1", true)));

        Assert.Equal("cpx22@fsn1 cx33@fsn1 cpx22@nbg1 cx33@nbg1", await CandidatesAsync("eu-central", catalogue, imageDisk: 80));
        Assert.Equal("", await CandidatesAsync("eu-central", catalogue, imageDisk: 160));
    }

    [Fact]
    public void TailscaleKey_OutlivesTheCreateStep()
    {
        var mint = WorkflowYaml.Task(WorkflowYaml.PlaybookTasks("create-server.yml"), "Mint the server's single-use Tailscale key");
        var expiry = int.Parse((string)mint["ansible.builtin.uri"]!["body"]!["expirySeconds"]!, System.Globalization.CultureInfo.InvariantCulture);
        var create = WorkflowYaml.Steps(WorkflowYaml.Workflow("provision-agent.yml")).Single(s => (string?)s.Step["id"] == "create").Step;
        var limit = int.Parse((string)create["timeout-minutes"]!, System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(expiry > limit * 60, $"the key expires after {expiry} s, inside the create step's {limit} minutes");
    }

    [Fact]
    public void CloudInit_ReadsTheReleaseOnTheServer_InsteadOfNamingOne()
    {
        var template = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "ansible", "playbooks", "templates", "cloud-init.yml.j2"));

        Assert.DoesNotMatch(ReleaseCodename(), template);
        Assert.Contains("/etc/os-release", template, StringComparison.Ordinal);
        Assert.Contains("${VERSION_CODENAME", template, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^  (?<key>[a-z0-9-]+): \[(?<value>[a-z0-9-]+(?:, [a-z0-9-]+)*)\]\s*$")]
    private static partial Regex MappingEntry();

    /// <summary>Hetzner's shared and dedicated x86 and Arm server type names: cx23, cpx22, cax11, ccx13, ...</summary>
    [GeneratedRegex(@"^c(?:x|px|ax|cx)\d{2}$")]
    private static partial Regex ServerTypeName();

    [GeneratedRegex(@"\bc(?:x|px|ax|cx)\d{2}\b", RegexOptions.IgnoreCase)]
    private static partial Regex ServerTypeInText();

    /// <summary>Debian and Ubuntu release code names of the images Hetzner offers.</summary>
    [GeneratedRegex(@"\b(?:buster|bullseye|bookworm|trixie|forky|focal|jammy|noble|plucky|questing)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ReleaseCodename();
}
