namespace Provisioner.Tests.Architecture;

/// <summary>
/// Each rule of <see cref="ArchitectureRules"/> fails on code that breaks it: the compiled
/// <c>Broken</c> fixture (BrokenFixture.cs) and small graphs written here. Without these, a rule
/// that checks nothing would pass <see cref="ArchitectureTests"/> too.
/// </summary>
public sealed class ArchitectureRuleTests
{
    private const string Broken = "Provisioner.Tests.Architecture.Broken";

    private static readonly Lazy<CodeModel> Model = new(() => CodeModel.Read(typeof(ArchitectureRuleTests).Assembly.Location, Broken));

    [Fact]
    public void AJobRuleThatReachesAnotherFolder_IsReported()
    {
        var found = ArchitectureRules.FolderReferencesOf(Model.Value, "Jobs");
        Assert.Contains($"{Broken}.Jobs.LeakyRule → {Broken}.Storage.Store", found);
    }

    [Fact]
    public void AJobRuleThatReachesAzure_IsReported()
    {
        var found = ArchitectureRules.FrameworkDependenciesOf(typeof(ArchitectureRuleTests).Assembly, Broken, "Jobs");
        Assert.Equal([$"{Broken}.Jobs.LeakyRule"], found);
    }

    [Fact]
    public void ACycleBetweenFolders_IsReported()
    {
        Assert.Equal(["Notifications ⇄ Storage"], ArchitectureRules.Cycles(ArchitectureRules.Edges(Model.Value)));
    }

    [Fact]
    public void Cycles_FindsALongCycleAndIgnoresALayeredGraph()
    {
        var layered = Graph("A --> B", "B --> C", "A --> C");
        Assert.Empty(ArchitectureRules.Cycles(layered));
        Assert.Equal(["A ⇄ B ⇄ C"], ArchitectureRules.Cycles(Graph("A --> B", "B --> C", "C --> A", "C --> D")));
    }

    [Fact]
    public void StorageThatKnowsAFeature_IsReported()
    {
        var found = ArchitectureRules.ForbiddenEdges(Model.Value, "Storage", "Notifications", "Reconcile", "AgentHealth");
        Assert.Equal([$"{Broken}.Storage.Store → {Broken}.Notifications.Outbox"], found);
    }

    [Fact]
    public void AClassWithSevenDependencies_IsReported_ARecordIsNot()
    {
        Assert.Equal([$"{Broken}.Notifications.Hub (7)"], ArchitectureRules.OverConstructorLimit(Model.Value));
    }

    [Fact]
    public void PublicTypes_ListsThoseNotAllowed()
    {
        var found = ArchitectureRules.PublicTypes(Model.Value, t => t.Folder != "Notifications");
        Assert.Equal([$"{Broken}.Notifications.Hub", $"{Broken}.Notifications.Outbox", $"{Broken}.Notifications.Row"], found);
    }

    [Fact]
    public void ADiagramThatMissesOrInventsAnEdge_Differs()
    {
        var code = ArchitectureRules.Edges(Model.Value);
        var exact = ArchitectureRules.MermaidGraph(Markdown("Jobs --> Storage", "Storage --> Notifications", "Notifications --> Storage"));
        Assert.Empty(ArchitectureRules.Differences(code, exact));

        var stale = ArchitectureRules.MermaidGraph(Markdown("Jobs --> Storage & Notifications", "Storage --> Notifications"));
        Assert.Equal(["+ Notifications --> Storage", "- Jobs --> Notifications"], ArchitectureRules.Differences(code, stale).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MermaidGraph_RefusesALineItCannotRead()
    {
        Assert.Throws<InvalidOperationException>(() => ArchitectureRules.MermaidGraph(Markdown("Jobs -.-> Storage")));
        Assert.Throws<InvalidOperationException>(() => ArchitectureRules.MermaidGraph("no diagram here"));
    }

    private static string Markdown(params string[] lines) =>
        "# Doc\n\n```mermaid\ngraph TD\n" + string.Join("\n", lines.Select(l => "  " + l)) + "\n```\n";

    private static Dictionary<string, IReadOnlySet<string>> Graph(params string[] edges) =>
        edges.Select(e => e.Split(" --> ")).GroupBy(e => e[0]).ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(e => e[1]).ToHashSet(), StringComparer.Ordinal);
}
