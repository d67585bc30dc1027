using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace Provisioner.UnitTests;

/// <summary>
/// Keeps this project the fast suite: nothing in it may start Azurite, a browser, a child process
/// or a server, or make a network call, so that it runs with only <c>dotnet</c> on PATH. Checked
/// on the project file and on the compiled test code itself (the types its IL refers to), so a test
/// that reaches for one of them fails here rather than on a machine without Azurite or Chromium.
/// A test that needs one of them belongs in tests/Provisioner.Tests (docs/testing.md).
/// </summary>
public sealed class NoIntegrationDependenciesTests
{
    /// <summary>Assemblies whose only purpose here would be to run something outside the process.</summary>
    private static readonly string[] IntegrationAssemblies =
        ["Provisioner.Testing", "Provisioner.LocalRunner", "Provisioner.Tests", "Microsoft.Playwright"];

    /// <summary>Types that start a process, open a socket or a server, or talk to storage.</summary>
    private static readonly string[] ForbiddenTypes =
    [
        "System.Diagnostics.Process",
        "System.Diagnostics.ProcessStartInfo",
        "System.Net.Sockets.Socket",
        "System.Net.Sockets.TcpClient",
        "System.Net.Sockets.TcpListener",
        "System.Net.Sockets.UdpClient",
        "System.Net.HttpListener",
        "System.Net.Http.HttpClient",
        "System.Net.Http.HttpClientHandler",
        "System.Net.Http.SocketsHttpHandler",
        "Microsoft.AspNetCore.Builder.WebApplication",
        "Microsoft.AspNetCore.Hosting.WebHostBuilder",
        "Azure.Data.Tables.TableClient",
        "Azure.Data.Tables.TableServiceClient",
        "Azure.Storage.Queues.QueueClient",
        "Azure.Storage.Queues.QueueServiceClient",
        "Provisioner.Testing.AzuriteServer",
        "Provisioner.Testing.ChildProcess",
        "Provisioner.Testing.LoopbackPorts",
        "Provisioner.Testing.TestIssuer",
    ];

    private static string ProjectFile => Path.Combine(RepositoryRoot.Path, "tests", "Provisioner.UnitTests", "Provisioner.UnitTests.csproj");

    [Fact]
    public void Project_ReferencesTheAppOnly_AndNoBrowserPackage()
    {
        var project = XDocument.Load(ProjectFile);
        var projects = project.Descendants("ProjectReference").Select(r => Path.GetFileName((string)r.Attribute("Include")!)).ToArray();
        var packages = project.Descendants("PackageReference").Select(r => (string)r.Attribute("Include")!).ToArray();

        Assert.Equal(["Provisioner.Functions.csproj"], projects);
        Assert.NotEmpty(packages);
        Assert.DoesNotContain(packages, p => p.StartsWith("Microsoft.Playwright", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Project_LinksNoProcessOrServerHelper()
    {
        var linked = XDocument.Load(ProjectFile).Descendants("Compile")
            .Select(c => Path.GetFileName((string?)c.Attribute("Include") ?? ""))
            .ToArray();

        Assert.NotEmpty(linked);
        Assert.DoesNotContain(linked, file => file is "AzuriteServer.cs" or "ChildProcess.cs" or "LoopbackPorts.cs" or "TestIssuer.cs"
            or "Azurite.cs" or "Runner.cs" or "DispatchingRunner.cs" or "FakeGitHub.cs" or "WebhookReceiver.cs" or "OtlpReceiver.cs");
    }

    [Fact]
    public void UnitAssembly_ReferencesNoIntegrationAssembly()
    {
        var referenced = typeof(NoIntegrationDependenciesTests).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToArray();

        Assert.Contains("Provisioner.Functions", referenced);
        Assert.Empty(referenced.Intersect(IntegrationAssemblies));
    }

    [Fact]
    public void UnitAssembly_UsesNoProcessSocketServerOrStorageType()
    {
        var found = TypesNamedIn(typeof(NoIntegrationDependenciesTests).Assembly.Location).Intersect(ForbiddenTypes).ToArray();

        Assert.True(found.Length == 0, $"The unit tests use {string.Join(", ", found)}: move those tests to tests/Provisioner.Tests.");
    }

    /// <summary>The check above sees such types where they are used: the app itself talks to storage and over HTTP.</summary>
    [Fact]
    public void TypeScan_FindsTheStorageAndHttpTypes_InTheAppThatUsesThem()
    {
        var found = TypesNamedIn(Path.Combine(AppContext.BaseDirectory, "Provisioner.Functions.dll")).Intersect(ForbiddenTypes).ToArray();

        Assert.Contains("Azure.Data.Tables.TableClient", found);
        Assert.Contains("System.Net.Http.HttpClient", found);
    }

    /// <summary>The full names of every type an assembly defines or refers to in its metadata.</summary>
    private static HashSet<string> TypesNamedIn(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeReferences)
        {
            var type = metadata.GetTypeReference(handle);
            names.Add(FullName(metadata.GetString(type.Namespace), metadata.GetString(type.Name)));
        }

        foreach (var handle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(handle);
            names.Add(FullName(metadata.GetString(type.Namespace), metadata.GetString(type.Name)));
        }

        return names;
    }

    private static string FullName(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;
}
