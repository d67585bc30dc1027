using Provisioner.Functions.Jobs;

namespace Provisioner.Tests.Architecture;

/// <summary>The rules of docs/architecture.md, on the compiled app (Provisioner.Functions).</summary>
public sealed class ArchitectureTests
{
    public const string App = "Provisioner.Functions";

    private static readonly Lazy<CodeModel> Model = new(() => CodeModel.Read(typeof(Job).Assembly.Location, App));

    [Fact]
    public void TheModelSeesTheApp()
    {
        // Guards the rules below against passing on nothing.
        Assert.True(Model.Value.Types.Count > 150, $"only {Model.Value.Types.Count} types read");
        Assert.Contains(Model.Value.Types, t => t.FullName == typeof(Job).FullName && t.Folder == "Jobs");
        Assert.True(ArchitectureRules.Edges(Model.Value).Sum(e => e.Value.Count) > 40);
    }

    [Fact]
    public void Jobs_DependsOnNoOtherFolder() =>
        Assert.Empty(ArchitectureRules.FolderReferencesOf(Model.Value, "Jobs"));

    [Fact]
    public void Jobs_DependsOnNoAzureGitHubPollyOrAspNetCoreType() =>
        Assert.Empty(ArchitectureRules.FrameworkDependenciesOf(typeof(Job).Assembly, App, "Jobs"));

    [Fact]
    public void FolderGraph_HasNoCycle()
    {
        var cycles = ArchitectureRules.Cycles(ArchitectureRules.Edges(Model.Value));
        var graph = Model.Value.FolderGraph();

        // Names every reference inside each cycle, to say what to move.
        var why = cycles.SelectMany(c =>
        {
            var members = c.Split(" ⇄ ").ToHashSet();
            return members.SelectMany(m => graph[m].Where(e => members.Contains(e.Key)).SelectMany(e => e.Value.Select(r => $"{m} --> {e.Key}: {r}")));
        });
        Assert.True(cycles.Count == 0, "cycles: " + string.Join("; ", cycles) + "\n" + string.Join("\n", why));
    }

    [Fact]
    public void Storage_KnowsNoFeatureThatUsesIt() =>
        Assert.Empty(ArchitectureRules.ForbiddenEdges(Model.Value, "Storage", "Notifications", "Reconcile", "AgentHealth"));

    [Fact]
    public void NothingDependsOnTheCompositionRoot() =>
        Assert.Empty(ArchitectureRules.Edges(Model.Value).Where(f => f.Value.Contains(CodeModel.Root)).Select(f => f.Key));

    [Fact]
    public void NoClass_TakesMoreThanSixConstructorParameters() =>
        Assert.Empty(ArchitectureRules.OverConstructorLimit(Model.Value));

    [Fact]
    public void TheDiagramInDocsArchitecture_IsTheGraphOfTheCode()
    {
        var diagram = ArchitectureRules.MermaidGraph(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "architecture.md")));
        var code = ArchitectureRules.Edges(Model.Value).Where(f => f.Key != CodeModel.Root).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var differences = ArchitectureRules.Differences(code, diagram);
        Assert.True(differences.Count == 0, "docs/architecture.md's graph differs from the code (+ only in the code, - only in the diagram):\n" + string.Join("\n", differences));
    }

    /// <summary>
    /// The HTTP and queue contract: what a function takes or answers with. Everything else is
    /// internal (docs/architecture.md, "Internal by default").
    /// </summary>
    private static readonly HashSet<string> ContractTypes =
    [
        "StatusDocument", "StepView", "HealthView", "JobSummary", "JobPage", "CreateJobRequest", "RetryRequest",
        "DispatchMessage", "NotificationMessage", "CancelRunMessage",
    ];

    private static bool MayBePublic(TypeInfo type)
    {
        var name = type.FullName[(type.FullName.LastIndexOf('.') + 1)..].Split('/')[0];
        return type.Folder == "Configuration" // the options, and the values they bind
            || FunctionClasses.Value.Contains(name)
            || ContractTypes.Contains(name)
            || type.Folder == CodeModel.Root; // the one registration point each host calls
    }

    private static readonly Lazy<HashSet<string>> FunctionClasses = new(() =>
    [
        .. typeof(Job).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), false).Length > 0))
            .Select(t => t.Name),
    ]);

    [Fact]
    public void OnlyFunctionsOptionsAndTheContract_ArePublic()
    {
        Assert.True(FunctionClasses.Value.Count >= 10, $"only {FunctionClasses.Value.Count} function classes found");
        Assert.Empty(ArchitectureRules.PublicTypes(Model.Value, MayBePublic));
    }

    [Fact]
    public void MostTypes_AreInternal()
    {
        var types = Model.Value.Types;
        var share = (double)types.Count(t => !t.IsPublic) / types.Count;
        Assert.True(share >= 0.75, $"{share:P0} of {types.Count} types are internal");
    }
}
