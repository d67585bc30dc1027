using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Provisioner.UnitTests.OpenApi;

/// <summary>
/// docs/openapi.yaml read as YAML, strictly: the mistakes that an OpenAPI reader lets through
/// because a schema may carry unknown keywords. A comma inside a flow mapping
/// (<c>{ description: a, b }</c>) ends the value and makes <c>b</c> a key of its own with no value;
/// a key written twice silently loses one of its values. Redocly's recommended rules
/// (<c>redocly lint</c> in ./test.sh) check the rest; these catch the YAML mistakes without Node.
/// The conformance test (tests/Provisioner.Tests/Http/OpenApiConformanceTests.cs) checks the
/// document against the app's real answers.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string DocumentPath = Path.Combine(RepositoryRoot.Path, "docs", "openapi.yaml");

    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    [Fact]
    public void Document_HasNoKeyWithoutAValue()
    {
        var stray = Mappings(Load())
            .SelectMany(m => m.Children)
            .Where(entry => entry.Value is YamlScalarNode { Value: null or "", Style: ScalarStyle.Plain })
            .Select(entry => $"line {entry.Key.Start.Line}: `{entry.Key}` has no value (a comma or colon inside an unquoted flow-mapping value?)")
            .ToList();
        Assert.True(stray.Count == 0, string.Join(Environment.NewLine, stray));
    }

    [Fact]
    public void Document_HasNoDuplicateKey()
    {
        // YamlDotNet's representation model refuses a mapping that names a key twice.
        var exception = Record.Exception(Load);
        Assert.True(exception is null, exception?.Message);
    }

    [Fact]
    public void Loader_RejectsTheMistakesItIsMeantToCatch()
    {
        // The two checks above would pass on any document if the loader or the walk were wrong.
        Assert.ThrowsAny<YamlException>(() => Parse("a: 1\na: 2\n"));
        var stray = Mappings(Parse("s: { type: string, description: one; two, three. }\n")).SelectMany(m => m.Children)
            .Where(entry => entry.Value is YamlScalarNode { Value: null or "", Style: ScalarStyle.Plain });
        Assert.Equal("three.", Assert.Single(stray).Key.ToString());
    }

    [Fact]
    public void EveryOperation_StatesItsSecurity_WithDefinedSchemes()
    {
        var root = (YamlMappingNode)Load().Documents[0].RootNode;
        var schemes = ((YamlMappingNode)((YamlMappingNode)root["components"])["securitySchemes"]).Children.Keys.Select(k => k.ToString()).ToHashSet();
        var problems = new List<string>();
        foreach (var (path, item) in ((YamlMappingNode)root["paths"]).Children)
        {
            foreach (var (method, operation) in ((YamlMappingNode)item).Children.Where(c => Methods.Contains(c.Key.ToString())))
            {
                if (!((YamlMappingNode)operation).Children.TryGetValue("security", out var security))
                {
                    problems.Add($"{method} {path} does not state its security (`security: []` for an open route)");
                    continue;
                }

                var unknown = ((YamlSequenceNode)security).Children.Cast<YamlMappingNode>()
                    .SelectMany(requirement => requirement.Children.Keys.Select(k => k.ToString()))
                    .Where(name => !schemes.Contains(name));
                problems.AddRange(unknown.Select(name => $"{method} {path} names the undefined security scheme {name}"));
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static YamlStream Load() => Parse(File.ReadAllText(DocumentPath));

    private static YamlStream Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream;
    }

    private static IEnumerable<YamlMappingNode> Mappings(YamlStream stream) =>
        stream.Documents.SelectMany(d => d.AllNodes).OfType<YamlMappingNode>();
}
