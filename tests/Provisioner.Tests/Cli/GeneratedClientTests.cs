using Microsoft.Kiota.Abstractions.Serialization;
using Provisioner.Cli.Client;
using YamlDotNet.RepresentationModel;

namespace Provisioner.Tests.Cli;

/// <summary>
/// The tool's HTTP client is generated from docs/openapi.yaml as the tool builds (Kiota, into
/// obj/; docs/cli.md). This holds the compiled client to the document as it is now: every object
/// schema of the document that the operations use is a model whose JSON fields are exactly the schema's properties, so a
/// build that did not regenerate after the document changed fails here.
/// </summary>
public sealed class GeneratedClientTests
{
    [Fact]
    public void EveryObjectSchema_IsAGeneratedModel_WithExactlyItsProperties()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "openapi.yaml"))));
        var schemas = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["components"])["schemas"];
        var assembly = typeof(ProvisionerApiClient).Assembly;
        var compared = new List<string>();
        foreach (var (name, node) in schemas.Children)
        {
            var schema = (YamlMappingNode)node;
            if (!schema.Children.TryGetValue("properties", out var properties) || schema.Children.ContainsKey("allOf") || schema.Children.ContainsKey("oneOf") || schema.Children.ContainsKey("anyOf"))
            {
                continue;
            }

            // Kiota makes models of the schemas the operations reach; the others (used only inside
            // a union it inlines) have none.
            if (assembly.GetType($"Provisioner.Cli.Client.Models.{name}") is not { } model)
            {
                continue;
            }

            var fields = ((IParsable)Activator.CreateInstance(model)!).GetFieldDeserializers().Keys.Order(StringComparer.Ordinal);
            Assert.Equal(((YamlMappingNode)properties).Children.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal), fields);
            compared.Add(name.ToString());
        }

        // The tool's own models among them, so this cannot pass by comparing nothing.
        Assert.Superset(new HashSet<string> { "StatusDocument", "JobPage", "JobSummary", "CreateJobRequest", "Problem" }, compared.ToHashSet());
    }
}
