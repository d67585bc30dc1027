using System.Text.Json;

namespace Provisioner.LocalRunner;

/// <summary>
/// The <c>globalHeaders</c> of the page's <c>staticwebapp.config.json</c> (its Content-Security-Policy
/// among them), which the runner sends with each file of the page as Azure Static Web Apps does, so
/// the page runs here under the same policy as in Azure (docs/status-page.md).
/// </summary>
internal static class StaticWebAppHeaders
{
    public const string FileName = "staticwebapp.config.json";

    /// <summary>The headers; none when the file is absent. A file that is not the expected JSON stops the runner, naming it.</summary>
    public static IReadOnlyList<(string Name, string Value)> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.TryGetProperty("globalHeaders", out var headers)
                ? [.. headers.EnumerateObject().Select(h => (h.Name, h.Value.GetString() ?? ""))]
                : [];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{path}: globalHeaders must be an object of header names and string values ({e.Message})", e);
        }
    }
}
