using System.Text.Json;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// The app's settings as a host started from <c>local.settings.sample.json</c> sees them: the
/// sample's <c>Values</c>, overridden by environment variables (as Core Tools and the runner do).
/// The fixture signs with these, so a host started outside the tests with the sample agrees with it.
/// </summary>
internal static class HostSettings
{
    public static IReadOnlyDictionary<string, string?> Sample { get; } = ReadSample();

    public static string? Value(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } set ? set : Sample.GetValueOrDefault(name);

    private static Dictionary<string, string?> ReadSample()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json")));
        return document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText());
    }
}
