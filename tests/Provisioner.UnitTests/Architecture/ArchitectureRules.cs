using System.Reflection;
using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace Provisioner.Tests.Architecture;

/// <summary>
/// The rules of docs/architecture.md as functions that return what breaks them (empty: the rule
/// holds). They take a <see cref="CodeModel"/> (or an assembly and a root namespace), so
/// <see cref="ArchitectureRuleTests"/> can show each one fails on code that breaks it.
/// </summary>
public static partial class ArchitectureRules
{
    /// <summary>The namespaces of the frameworks the job model must not touch.</summary>
    public static readonly string[] FrameworkNamespaces = ["Azure", "Octokit", "Polly", "Microsoft.AspNetCore"];

    public const int MaxConstructorParameters = 6;

    /// <summary>The types of <paramref name="folder"/> that refer to another folder, with the reference.</summary>
    public static IReadOnlyList<string> FolderReferencesOf(CodeModel model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.FolderGraph().TryGetValue(folder, out var edges) ? [.. edges.SelectMany(e => e.Value)] : [];
    }

    /// <summary>
    /// The types in <paramref name="rootNamespace"/>.<paramref name="folder"/> of <paramref name="assembly"/> that
    /// depend on a framework namespace (<see cref="FrameworkNamespaces"/>), as NetArchTest finds them.
    /// </summary>
    public static IReadOnlyList<string> FrameworkDependenciesOf(Assembly assembly, string rootNamespace, string folder)
    {
        var result = Types.InAssembly(assembly)
            .That().ResideInNamespace($"{rootNamespace}.{folder}")
            .ShouldNot().HaveDependencyOnAny(FrameworkNamespaces)
            .GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypeNames ?? []];
    }

    /// <summary>The edges from <paramref name="folder"/> to any of <paramref name="forbidden"/>, with their references.</summary>
    public static IReadOnlyList<string> ForbiddenEdges(CodeModel model, string folder, params string[] forbidden)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.FolderGraph().TryGetValue(folder, out var edges)
            ? [.. edges.Where(e => forbidden.Contains(e.Key)).SelectMany(e => e.Value)]
            : [];
    }

    /// <summary>The cycles of a folder graph: each strongly connected set of two or more folders, sorted.</summary>
    public static IReadOnlyList<string> Cycles(IReadOnlyDictionary<string, IReadOnlySet<string>> graph)
    {
        ArgumentNullException.ThrowIfNull(graph);

        // Tarjan's algorithm.
        var index = 0;
        var indices = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<string>();
        var nodes = graph.Keys.Concat(graph.Values.SelectMany(v => v)).Distinct().Order(StringComparer.Ordinal).ToList();

        void Visit(string v)
        {
            indices[v] = low[v] = index++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.TryGetValue(v, out var targets) ? targets.Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            {
                if (!indices.TryGetValue(w, out var seen))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], seen);
                }
            }

            if (low[v] == indices[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    cycles.Add(string.Join(" ⇄ ", component.Order(StringComparer.Ordinal)));
                }
            }
        }

        foreach (var node in nodes.Where(n => !indices.ContainsKey(n)))
        {
            Visit(node);
        }

        return [.. cycles.Order(StringComparer.Ordinal)];
    }

    /// <summary>The folder graph without the reasons.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Edges(CodeModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.FolderGraph().ToDictionary(f => f.Key, f => (IReadOnlySet<string>)f.Value.Keys.ToHashSet(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Classes whose constructor takes more than <see cref="MaxConstructorParameters"/> parameters.
    /// Records are data, not services with dependencies, and are not counted.
    /// </summary>
    public static IReadOnlyList<string> OverConstructorLimit(CodeModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. model.Types.Where(t => !t.IsRecord && t.ConstructorParameters > MaxConstructorParameters).Select(t => $"{t.FullName} ({t.ConstructorParameters})").Order(StringComparer.Ordinal)];
    }

    /// <summary>Public top-level types, for a rule on how much is public (not enforced yet: docs/architecture.md).</summary>
    public static IReadOnlyList<string> PublicTypes(CodeModel model, Func<TypeInfo, bool> mayBePublic)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(mayBePublic);
        return [.. model.Types.Where(t => t.IsPublic && !mayBePublic(t)).Select(t => t.FullName).Order(StringComparer.Ordinal)];
    }

    /// <summary>The edges (<c>A --> B</c>) of the first Mermaid <c>graph</c> block in <paramref name="markdown"/>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> MermaidGraph(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var block = MermaidBlock().Match(markdown);
        if (!block.Success)
        {
            throw new InvalidOperationException("no ```mermaid block with a graph in it");
        }

        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in block.Groups["body"].Value.Split('\n'))
        {
            var text = line.Split("%%")[0].Trim();
            if (text.Length == 0 || text.StartsWith("graph ", StringComparison.Ordinal) || text.StartsWith("classDef", StringComparison.Ordinal) || text.StartsWith("class ", StringComparison.Ordinal))
            {
                continue;
            }

            // A --> B, A --> B & C, and A lone node.
            var edge = MermaidEdge().Match(text);
            if (!edge.Success)
            {
                throw new InvalidOperationException($"a line of the diagram that is not an edge or a node: {text}");
            }

            var from = edge.Groups["from"].Value;
            var targets = graph.TryGetValue(from, out var existing) ? existing : graph[from] = [];
            if (edge.Groups["to"].Success)
            {
                foreach (var to in edge.Groups["to"].Value.Split('&', StringSplitOptions.TrimEntries))
                {
                    targets.Add(to);
                }
            }
        }

        return graph.ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Value, StringComparer.Ordinal);
    }

    /// <summary>What one graph has and the other lacks, as <c>+ A --> B</c> (in the code only) and <c>- A --> B</c> (in the diagram only).</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, IReadOnlySet<string>> code, IReadOnlyDictionary<string, IReadOnlySet<string>> diagram)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(diagram);
        static IEnumerable<string> Lines(IReadOnlyDictionary<string, IReadOnlySet<string>> g) =>
            g.SelectMany(f => f.Value.Count == 0 ? [f.Key] : f.Value.Select(t => $"{f.Key} --> {t}"));
        var inCode = Lines(code).ToHashSet(StringComparer.Ordinal);
        var inDiagram = Lines(diagram).ToHashSet(StringComparer.Ordinal);

        // A lone node in one is no difference when the other has edges from it.
        bool Known(string line, IReadOnlyDictionary<string, IReadOnlySet<string>> other) => !line.Contains("-->", StringComparison.Ordinal) && other.ContainsKey(line);
        return
        [
            .. inCode.Except(inDiagram).Where(l => !Known(l, diagram)).Select(l => "+ " + l),
            .. inDiagram.Except(inCode).Where(l => !Known(l, code)).Select(l => "- " + l),
        ];
    }

    [GeneratedRegex(@"```mermaid\s*\n(?<body>\s*graph\b.*?)```", RegexOptions.Singleline)]
    private static partial Regex MermaidBlock();

    [GeneratedRegex(@"^(?<from>\w+)(?:\s*-->\s*(?<to>\w+(?:\s*&\s*\w+)*))?$")]
    private static partial Regex MermaidEdge();
}
