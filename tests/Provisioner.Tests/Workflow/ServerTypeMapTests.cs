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

    /// <summary>The <c>key: value</c> lines of the top-level YAML mapping <paramref name="name"/> in group_vars/all.yml.</summary>
    private static Dictionary<string, string> Mapping(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, GroupVars));
        var start = Array.IndexOf(lines, name + ":");
        Assert.True(start >= 0, $"{GroupVars} has no top-level mapping {name}");
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)))
        {
            var entry = MappingEntry().Match(line);
            Assert.True(entry.Success, $"{GroupVars}, {name}: '{line}' is not a plain 'key: value' entry");
            entries.Add(entry.Groups["key"].Value, entry.Groups["value"].Value);
        }

        Assert.NotEmpty(entries);
        return entries;
    }

    [Fact]
    public void ServerTypeMap_HasATypeForEveryLocationTheRegionMapUses()
    {
        var locations = Mapping("provision_locations").Values.Distinct(StringComparer.Ordinal).ToArray();
        var types = Mapping("provision_server_types");

        Assert.All(locations, location => Assert.True(
            types.ContainsKey(location) && ServerTypeName().IsMatch(types[location]),
            $"provision_server_types has no server type for {location}, which provision_locations maps a region to"));
        Assert.All(types.Keys, location => Assert.Contains(location, locations));
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
        Assert.Contains("default(provision_server_types.get(create_location, ''), true)", play, StringComparison.Ordinal);
        var lookUp = play.IndexOf("hetzner.hcloud.hcloud_server_type_info:", StringComparison.Ordinal);
        var stop = play.IndexOf("- name: Stop when the server type cannot be had in the location", StringComparison.Ordinal);
        var firstCreate = CreatingModules.Min(m => play.IndexOf(m, StringComparison.Ordinal));
        Assert.True(lookUp > 0 && stop > lookUp && firstCreate > stop, "the server type is looked up and checked before anything is created at Hetzner");

        foreach (var workflow in ServerWorkflows)
        {
            var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "workflows", workflow));
            Assert.Contains("HETZNER_SERVER_TYPE: ${{ vars.HETZNER_SERVER_TYPE }}", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CloudInit_ReadsTheReleaseOnTheServer_InsteadOfNamingOne()
    {
        var template = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "ansible", "playbooks", "templates", "cloud-init.yml.j2"));

        Assert.DoesNotMatch(ReleaseCodename(), template);
        Assert.Contains("/etc/os-release", template, StringComparison.Ordinal);
        Assert.Contains("${VERSION_CODENAME", template, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^  (?<key>[a-z0-9-]+): (?<value>[a-z0-9-]+)\s*$")]
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
