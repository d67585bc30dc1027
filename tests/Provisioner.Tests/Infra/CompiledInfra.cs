using System.Text.Json;
using System.Xml.Linq;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Infra;

/// <summary>
/// infra/main.bicep compiled to its ARM template by the Bicep CLI that <c>dotnet restore</c> fetched
/// (the PackageDownload in this project), once per test class. Modules compile to nested
/// deployments; <see cref="Module"/> opens one by its deployment name.
/// </summary>
public sealed class CompiledInfra : IAsyncLifetime
{
    private const string BicepPackage = "Azure.Bicep.CommandLine.linux-x64";
    private readonly string _output = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"provisioner-infra-{Guid.NewGuid():N}.json");
    private JsonDocument? _document;

    public JsonElement Main => (_document ?? throw new InvalidOperationException("not compiled yet")).RootElement;

    public async Task InitializeAsync()
    {
        var bicep = await FindBicepAsync();
        var (exitCode, output) = await RunAsync(bicep, "build", System.IO.Path.Combine(RepositoryRoot.Path, "infra", "main.bicep"), "--outfile", _output);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"bicep build infra/main.bicep failed ({exitCode}):\n{output}");
        }

        _document = JsonDocument.Parse(await File.ReadAllTextAsync(_output));
    }

    public Task DisposeAsync()
    {
        _document?.Dispose();
        File.Delete(_output);
        return Task.CompletedTask;
    }

    /// <summary>The module deployed under <paramref name="name"/>: the parameters main passes it and its own template.</summary>
    public (JsonElement Parameters, JsonElement Template) Module(string name)
    {
        var deployment = Assert.Single(Resources(Main), r => Type(r) == "Microsoft.Resources/deployments" && r.GetProperty("name").GetString() == name);
        var properties = deployment.GetProperty("properties");
        return (properties.GetProperty("parameters"), properties.GetProperty("template"));
    }

    /// <summary>The resources of a template, whether it lists them (language version 1) or names them (2.0).</summary>
    public static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        var resources = template.GetProperty("resources");
        return resources.ValueKind == JsonValueKind.Array
            ? resources.EnumerateArray().ToArray()
            : resources.EnumerateObject().Select(p => p.Value).ToArray();
    }

    public static IEnumerable<JsonElement> Resources(JsonElement template, string type) =>
        Resources(template).Where(r => Type(r) == type);

    public static JsonElement Resource(JsonElement template, string type) =>
        Assert.Single(Resources(template, type));

    /// <summary>Every string in an element, at any depth: where an expression may hide a reference.</summary>
    public static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    private static string? Type(JsonElement resource) =>
        resource.TryGetProperty("type", out var type) ? type.GetString() : null;

    /// <summary>
    /// tools/bicep of the package at the version the test project downloads, in the NuGet global
    /// packages folder (NUGET_PACKAGES when set, otherwise what <c>dotnet nuget locals</c> reports).
    /// </summary>
    private static async Task<string> FindBicepAsync()
    {
        var csproj = System.IO.Path.Combine(RepositoryRoot.Path, "tests", "Provisioner.Tests", "Provisioner.Tests.csproj");
        var download = XDocument.Load(csproj).Descendants("PackageDownload").Single(e => (string?)e.Attribute("Include") == BicepPackage);
        var version = ((string)download.Attribute("Version")!).Trim('[', ']');

        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrWhiteSpace(packages))
        {
            var (_, locals) = await RunAsync("dotnet", "nuget", "locals", "global-packages", "--list");
            packages = locals.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("global-packages:", StringComparison.Ordinal))["global-packages:".Length..].Trim();
        }

        var bicep = System.IO.Path.Combine(packages, BicepPackage.ToLowerInvariant(), version, "tools", "bicep");
        if (!File.Exists(bicep))
        {
            throw new InvalidOperationException($"{bicep} not found: run 'dotnet restore Provisioner.sln' (the test project downloads {BicepPackage} {version}).");
        }

        // NuGet extracts with the mode the package recorded; make sure it can run.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }
        return bicep;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var run = await ChildProcess.RunAsync(new ChildProcessOptions(fileName, arguments), TimeSpan.FromMinutes(2));
        return (run.ExitCode, run.Output);
    }
}
