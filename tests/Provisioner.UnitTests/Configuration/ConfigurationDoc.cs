using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Provisioner.Tests.Configuration;

/// <summary>One row of a table in docs/configuration.md: its table's kind (the header's first cell), the name, and its cells.</summary>
public sealed record DocRow(string Kind, string Name, IReadOnlyList<string> Cells);

/// <summary>A setting an options class binds, with the class's default as the page writes it (null: none).</summary>
public sealed record BoundSetting(string Name, string? Default, string OptionsClass);

/// <summary>
/// Checks docs/configuration.md against the code, the sample settings, infra/ and the workflows.
/// Pure: it reads text and reflects over the app's assembly; it starts nothing.
/// </summary>
public static partial class ConfigurationDoc
{
    public const string SettingTable = "Setting";
    public const string PlatformTable = "Platform setting";
    public const string LocalTable = "Local variable";
    public const string WorkflowVariableTable = "Workflow variable";
    public const string WorkflowSecretTable = "Workflow secret";

    /// <summary>The rows of every table of the page, by the first cell of its header.</summary>
    public static IReadOnlyList<DocRow> Rows(string markdown)
    {
        var rows = new List<DocRow>();
        string? kind = null;
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!line.StartsWith('|'))
            {
                kind = null;
                continue;
            }

            var cells = Cells(line);
            if (kind is null)
            {
                // A header: the next line is the |---| separator.
                kind = i + 1 < lines.Length && lines[i + 1].StartsWith("|---", StringComparison.Ordinal) ? cells[0] : null;
                i++;
                continue;
            }

            var name = FirstCode(cells[0]) ?? throw new InvalidOperationException($"a row of the {kind} table names no setting in backticks: {line}");
            rows.Add(new DocRow(kind, name, cells));
        }

        return rows;
    }

    /// <summary>Every setting a class of the app binds, found by its <see cref="ConfigurationKeyNameAttribute"/>s.</summary>
    public static IReadOnlyList<BoundSetting> Bound(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var settings = new List<BoundSetting>();
        foreach (var type in assembly.GetTypes())
        {
            var properties = type.GetProperties()
                .Select(p => (Property: p, Key: p.GetCustomAttribute<ConfigurationKeyNameAttribute>()))
                .Where(p => p.Key is not null)
                .ToList();
            if (properties.Count == 0)
            {
                continue;
            }

            var defaults = Activator.CreateInstance(type);
            settings.AddRange(properties.Select(p => new BoundSetting(p.Key!.Name, Written(p.Property.GetValue(defaults)), type.Name)));
        }

        return settings;
    }

    /// <summary>What is wrong with the page's <see cref="SettingTable"/> rows against the settings the code binds; empty when nothing.</summary>
    public static IReadOnlyList<string> CheckSettings(string markdown, IReadOnlyList<BoundSetting> bound)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var problems = new List<string>();
        var documented = Rows(markdown).Where(r => r.Kind == SettingTable).ToList();
        foreach (var group in documented.GroupBy(r => Key(r.Name)).Where(g => g.Count() > 1))
        {
            problems.Add($"{group.First().Name} has {group.Count()} rows");
        }

        var rows = documented.GroupBy(r => Key(r.Name)).ToDictionary(g => g.Key, g => g.First());
        foreach (var setting in bound)
        {
            if (!rows.TryGetValue(Key(setting.Name), out var row))
            {
                problems.Add($"{setting.Name} ({setting.OptionsClass}) is not documented");
                continue;
            }

            var cell = row.Cells.Count > 1 ? row.Cells[1] : "";
            if (setting.Default is null)
            {
                if (!cell.StartsWith("empty", StringComparison.Ordinal) && !cell.StartsWith('—'))
                {
                    problems.Add($"{setting.Name} has no default in {setting.OptionsClass}, but the page says \"{cell}\" (write empty or —)");
                }
            }
            else if (FirstCode(cell) != setting.Default)
            {
                problems.Add($"{setting.Name} defaults to {setting.Default} in {setting.OptionsClass}, but the page says \"{cell}\"");
            }
        }

        var boundKeys = bound.Select(s => Key(s.Name)).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(documented.Where(r => !boundKeys.Contains(Key(r.Name))).Select(r => $"{r.Name} is documented as a setting but no options class binds it"));
        return problems;
    }

    /// <summary>Names (of local.settings.sample.json, infra/) that have no row in a setting or platform table.</summary>
    public static IReadOnlyList<string> Undocumented(string markdown, IEnumerable<string> names)
    {
        var known = Rows(markdown).Where(r => r.Kind is SettingTable or PlatformTable).Select(r => Key(r.Name)).ToHashSet(StringComparer.Ordinal);
        return [.. names.Where(n => !known.Contains(Key(n)))];
    }

    /// <summary>What is wrong with the workflow tables against the variables and secrets the workflows use, with the defaults they give.</summary>
    public static IReadOnlyList<string> CheckWorkflows(string markdown, IReadOnlyDictionary<string, string?> variables, IReadOnlySet<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(secrets);
        var problems = new List<string>();
        var rows = Rows(markdown);
        var documentedVariables = rows.Where(r => r.Kind == WorkflowVariableTable).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var documentedSecrets = rows.Where(r => r.Kind == WorkflowSecretTable).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, fallback) in variables)
        {
            if (!documentedVariables.TryGetValue(name, out var row))
            {
                problems.Add($"the workflow variable {name} is not documented");
            }
            else if (fallback is not null && FirstCode(row.Cells[1]) != fallback)
            {
                problems.Add($"the workflows default {name} to {fallback}, but the page says \"{row.Cells[1]}\"");
            }
        }

        problems.AddRange(secrets.Where(s => !documentedSecrets.Contains(s)).Select(s => $"the workflow secret {s} is not documented"));
        problems.AddRange(documentedVariables.Keys.Where(v => !variables.ContainsKey(v)).Select(v => $"{v} is documented as a workflow variable but no workflow uses it"));
        problems.AddRange(documentedSecrets.Where(s => !secrets.Contains(s)).Select(s => $"{s} is documented as a workflow secret but no workflow uses it"));
        return problems;
    }

    /// <summary>The <c>vars.X</c> the workflows use, each with the default an <c>|| 'default'</c> gives it (null: none).</summary>
    public static IReadOnlyDictionary<string, string?> WorkflowVariables(IEnumerable<string> workflows)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (Match m in workflows.SelectMany(w => WorkflowVariable().Matches(w)))
        {
            var name = m.Groups["name"].Value;
            var fallback = m.Groups["default"].Success ? m.Groups["default"].Value : null;
            variables[name] = variables.GetValueOrDefault(name) ?? fallback;
        }

        return variables;
    }

    public static IReadOnlySet<string> WorkflowSecrets(IEnumerable<string> workflows) =>
        workflows.SelectMany(w => WorkflowSecret().Matches(w)).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The <c>Values</c> of local.settings.sample.json.</summary>
    public static IReadOnlyList<string> SampleNames(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name)];
    }

    /// <summary>The app settings infra/ writes: the keys of the <c>Microsoft.Web/sites/config</c> resource's <c>properties</c>.</summary>
    public static IReadOnlyList<string> InfraAppSettings(string bicep)
    {
        ArgumentNullException.ThrowIfNull(bicep);
        var lines = bicep.Split('\n');
        var start = Array.FindIndex(lines, l => l.Contains("'Microsoft.Web/sites/config@", StringComparison.Ordinal));
        if (start < 0)
        {
            return [];
        }

        var properties = Array.FindIndex(lines, start, l => l.TrimStart().StartsWith("properties: {", StringComparison.Ordinal));
        var indent = lines[properties].Length - lines[properties].TrimStart().Length;
        var names = new List<string>();
        for (var i = properties + 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim() == "}" && line.Length - line.TrimStart().Length == indent)
            {
                break;
            }

            if (InfraKey().Match(line) is { Success: true } key)
            {
                names.Add(key.Groups["name"].Value);
            }
        }

        return names;
    }

    /// <summary>The sections the code cites as <c>docs/configuration.md, "Section"</c> that are not headings of the page.</summary>
    public static IReadOnlyList<string> MissingCitedSections(string markdown, IEnumerable<string> sources)
    {
        var headings = Headings(markdown).ToHashSet(StringComparer.Ordinal);
        return [.. sources.SelectMany(s => CitedSection().Matches(s)).Select(m => m.Groups["section"].Value).Distinct().Where(s => !headings.Contains(s))];
    }

    /// <summary>Links from the page to another page's heading (<c>(page.md#anchor)</c>) whose heading is not there.</summary>
    public static IReadOnlyList<string> BrokenAnchors(string markdown, Func<string, string?> readPage)
    {
        ArgumentNullException.ThrowIfNull(readPage);
        var broken = new List<string>();
        foreach (Match m in AnchorLink().Matches(markdown))
        {
            var page = m.Groups["page"].Value;
            var text = page.Length == 0 ? markdown : readPage(page);
            if (text is null || !Headings(text).Select(Slug).Contains(m.Groups["anchor"].Value))
            {
                broken.Add($"{page}#{m.Groups["anchor"].Value}");
            }
        }

        return broken;
    }

    /// <summary>GitHub's anchor of a heading: lower case, punctuation but '-' and '_' dropped, spaces as '-'.</summary>
    public static string Slug(string heading) =>
        new string([.. heading.ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')]).Replace(' ', '-');

    private static IEnumerable<string> Headings(string markdown) =>
        markdown.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim());

    /// <summary>Settings compare without case, with <c>__</c> and <c>:</c> alike (environment variables spell a section with <c>__</c>).</summary>
    private static string Key(string name) => name.Replace("__", ":", StringComparison.Ordinal).ToUpperInvariant();

    private static string? Written(object? value) => value switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        bool b => b ? "true" : "false",
        Uri u => u.OriginalString,
        Enum e => e.ToString().ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static List<string> Cells(string line) =>
        [.. line.Trim().Trim('|').Split('|').Select(c => c.Trim())];

    private static string? FirstCode(string cell) => CodeSpan().Match(cell) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"vars\.(?<name>[A-Z0-9_]+)(\s*\|\|\s*'(?<default>[^']*)')?")]
    private static partial Regex WorkflowVariable();

    [GeneratedRegex(@"secrets\.(?<name>[A-Z0-9_]+)")]
    private static partial Regex WorkflowSecret();

    [GeneratedRegex(@"^\s+(?<name>[A-Za-z][A-Za-z0-9_.]*):")]
    private static partial Regex InfraKey();

    [GeneratedRegex(@"docs/configuration\.md, ""(?<section>[^""]+)""")]
    private static partial Regex CitedSection();

    [GeneratedRegex(@"\]\((?<page>(docs/)?[a-z0-9-]*(\.md)?)#(?<anchor>[a-z0-9_-]+)\)")]
    private static partial Regex AnchorLink();
}
