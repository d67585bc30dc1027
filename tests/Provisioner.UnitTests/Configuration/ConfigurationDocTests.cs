using Provisioner.Functions;

namespace Provisioner.Tests.Configuration;

/// <summary>
/// docs/configuration.md is the one reference for every setting: checked here against the options
/// classes (found by reflection), local.settings.sample.json, infra/'s app settings and the
/// workflows, both ways. Pure: reads files, starts nothing.
/// </summary>
public sealed class ConfigurationDocTests
{
    private static readonly string Page = Read("docs", "configuration.md");

    private static IReadOnlyList<BoundSetting> Bound => ConfigurationDoc.Bound(typeof(ProvisionerServiceCollectionExtensions).Assembly);

    [Fact]
    public void EverySettingTheCodeBinds_IsDocumentedWithItsDefault_AndEveryDocumentedSettingIsBound()
    {
        Assert.True(Bound.Count >= 50, $"the options classes bind the app's settings ({Bound.Count} found)");
        Assert.Empty(ConfigurationDoc.CheckSettings(Page, Bound));
    }

    [Fact]
    public void TheChecker_FindsARemovedRow_AWrongDefault_AndASettingNoClassBinds()
    {
        Assert.Empty(ConfigurationDoc.CheckSettings(Page, Bound));

        var withoutRow = string.Join('\n', Page.Split('\n').Where(l => !l.StartsWith("| `JOB_MAX_MINUTES`", StringComparison.Ordinal)));
        Assert.Contains(ConfigurationDoc.CheckSettings(withoutRow, Bound), p => p.StartsWith("JOB_MAX_MINUTES (TimeoutOptions) is not documented", StringComparison.Ordinal));

        var wrongDefault = Page.Replace("| `JOB_MAX_MINUTES` | `60` |", "| `JOB_MAX_MINUTES` | `90` |", StringComparison.Ordinal);
        Assert.NotEqual(Page, wrongDefault);
        Assert.Contains(ConfigurationDoc.CheckSettings(wrongDefault, Bound), p => p.StartsWith("JOB_MAX_MINUTES defaults to 60", StringComparison.Ordinal));

        var extra = Page.Replace("| `JOB_MAX_MINUTES` |", "| `JOB_LONGEST_MINUTES` | `5` | any | made up |\n| `JOB_MAX_MINUTES` |", StringComparison.Ordinal);
        Assert.Contains(ConfigurationDoc.CheckSettings(extra, Bound), p => p.StartsWith("JOB_LONGEST_MINUTES is documented as a setting but no options class binds it", StringComparison.Ordinal));
    }

    [Fact]
    public void TheSampleSettings_NameOnlyDocumentedSettings()
    {
        var names = ConfigurationDoc.SampleNames(Read("local.settings.sample.json"));
        Assert.Contains("GITHUB_CALLBACK_SECRET", names);
        Assert.Empty(ConfigurationDoc.Undocumented(Page, names));
        Assert.Equal(["NOT_A_SETTING"], ConfigurationDoc.Undocumented(Page, [.. names, "NOT_A_SETTING"]));
    }

    [Fact]
    public void InfraAppSettings_NameOnlyDocumentedSettings()
    {
        var names = ConfigurationDoc.InfraAppSettings(Read("infra", "modules", "functionapp.bicep"));
        Assert.Contains("AUTH_MODE", names);
        Assert.Contains("AzureWebJobsStorage__clientId", names);
        Assert.Empty(ConfigurationDoc.Undocumented(Page, names));
    }

    [Fact]
    public void WorkflowVariablesAndSecrets_AreDocumentedWithTheirDefaults_BothWays()
    {
        var workflows = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, ".github", "workflows"), "*.yml").Select(File.ReadAllText).ToList();
        var variables = ConfigurationDoc.WorkflowVariables(workflows);
        var secrets = ConfigurationDoc.WorkflowSecrets(workflows);
        Assert.Contains("HCLOUD_TOKEN", secrets);
        Assert.Equal("main", variables["PROVISIONER_GITHUB_REF"]);
        Assert.Empty(ConfigurationDoc.CheckWorkflows(Page, variables, secrets));

        var withoutRow = string.Join('\n', Page.Split('\n').Where(l => !l.StartsWith("| `HCLOUD_TOKEN`", StringComparison.Ordinal)));
        Assert.Equal(["the workflow secret HCLOUD_TOKEN is not documented"], ConfigurationDoc.CheckWorkflows(withoutRow, variables, secrets));
    }

    [Fact]
    public void SectionsTheCodeCites_AndLinksToOtherPages_Exist()
    {
        var sources = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        Assert.Contains(sources, s => s.Contains("docs/configuration.md, \"", StringComparison.Ordinal));
        Assert.Empty(ConfigurationDoc.MissingCitedSections(Page, sources));
        Assert.Equal(["Nowhere"], ConfigurationDoc.MissingCitedSections(Page, ["(docs/configuration.md, \"Nowhere\")"]));

        string? Other(string page) => File.Exists(Path.Combine(RepositoryRoot.Path, "docs", page)) ? Read("docs", page) : null;
        Assert.Empty(ConfigurationDoc.BrokenAnchors(Page, Other));
        Assert.Equal(["dispatch.md#no-such-heading"], ConfigurationDoc.BrokenAnchors("[x](dispatch.md#no-such-heading)", Other));
    }

    [Fact]
    public void Readme_KeepsToAFirstRun_AndLinksTheReference()
    {
        var readme = Read("README.md");
        var lines = readme.Split('\n').Length;
        Assert.True(lines < 200, $"README.md has {lines} lines; move detail to docs/");
        Assert.Contains("](docs/configuration.md)", readme, StringComparison.Ordinal);

        string? Page(string page) => File.Exists(Path.Combine(RepositoryRoot.Path, page)) ? Read(page) : null;
        Assert.Empty(ConfigurationDoc.BrokenAnchors(readme, Page));
    }

    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([RepositoryRoot.Path, .. path]));
}
