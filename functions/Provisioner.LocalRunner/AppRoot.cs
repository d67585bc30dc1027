using System.Text.Json;
using System.Text.Json.Nodes;

namespace Provisioner.LocalRunner;

/// <summary>
/// The Function App's root folder: where <c>host.json</c> and <c>local.settings.json</c> are, as
/// the Functions host sees them. Found from <c>PROVISIONER_APP_ROOT</c>, else by walking up
/// from the current folder, else the runner's own folder (the build copies both files there).
/// </summary>
public sealed class AppRoot
{
    public const string AppRootVariable = "PROVISIONER_APP_ROOT";

    private AppRoot(string path) => Path = path;

    public string Path { get; }

    public string HostJsonPath => System.IO.Path.Combine(Path, "host.json");

    public string LocalSettingsPath => System.IO.Path.Combine(Path, "local.settings.json");

    public static AppRoot At(string path) => new(System.IO.Path.GetFullPath(path));

    public static AppRoot Locate()
    {
        if (Environment.GetEnvironmentVariable(AppRootVariable) is { Length: > 0 } configured)
        {
            return new AppRoot(System.IO.Path.GetFullPath(configured));
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "host.json")))
            {
                return new AppRoot(dir.FullName);
            }
        }

        return new AppRoot(AppContext.BaseDirectory);
    }

    /// <summary>
    /// The <c>Values</c> of local.settings.json, keyed as the worker sees them: the host passes
    /// them as environment variables, where <c>__</c> separates sections.
    /// </summary>
    public IReadOnlyDictionary<string, string?> ReadLocalSettings()
    {
        if (!File.Exists(LocalSettingsPath))
        {
            return new Dictionary<string, string?>();
        }

        var root = JsonNode.Parse(File.ReadAllText(LocalSettingsPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = root?["Values"]?.AsObject() ?? [];
        return values.ToDictionary(
            kv => kv.Key.Replace("__", ":", StringComparison.Ordinal),
            kv => kv.Value?.GetValueKind() == JsonValueKind.String ? kv.Value.GetValue<string>() : kv.Value?.ToJsonString());
    }

    /// <summary>A value of local.settings.json's <c>Host</c> section (<c>LocalHttpPort</c>, <c>CORS</c>), as Core Tools reads it.</summary>
    public string? ReadHostSetting(string name)
    {
        if (!File.Exists(LocalSettingsPath))
        {
            return null;
        }

        var root = JsonNode.Parse(File.ReadAllText(LocalSettingsPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return root?["Host"]?[name]?.ToString();
    }

    /// <summary>host.json, or an empty object when there is none.</summary>
    public JsonNode ReadHostJson() =>
        File.Exists(HostJsonPath)
            ? JsonNode.Parse(File.ReadAllText(HostJsonPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) ?? new JsonObject()
            : new JsonObject();

    /// <summary>The HTTP route prefix, as host.json's <c>extensions.http.routePrefix</c> sets it (default <c>api</c>).</summary>
    public string RoutePrefix() => ReadHostJson()["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";
}
