using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Provisioner.Functions.Jobs;

/// <summary>
/// Reads a request body that must be one JSON object: valid UTF-8, valid JSON (no duplicate
/// properties, bounded depth), an object at the root. Shared by the create request and the
/// callbacks so both refuse the same bodies the same way.
/// </summary>
internal static class JsonObjectBody
{
    /// <param name="body">The raw body.</param>
    /// <param name="maxDepth">How deeply the JSON may nest.</param>
    /// <param name="shape">What the body should look like, for the error message (<c>{"agent_id", "region"}</c>).</param>
    /// <param name="document">The parsed body; the caller disposes it.</param>
    /// <param name="error">Why the body was refused, for a person.</param>
    public static bool TryParse(ReadOnlyMemory<byte> body, int maxDepth, string shape, [NotNullWhen(true)] out JsonDocument? document, [NotNullWhen(false)] out string? error)
    {
        document = null;
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            error = $"The body is not valid UTF-8. Send {shape}.";
            return false;
        }

        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            error = $"The body is not valid JSON ({Describe(e)}). Send {shape}.";
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            error = $"The body must be a JSON object: {shape}.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>A string property's value; null when it is missing or not a string. Throws <see cref="InvalidOperationException"/> for an escape that is not valid text (a lone surrogate).</summary>
    public static string? TextOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static string Describe(JsonException e) =>
        e.LineNumber is { } line ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line + 1}, byte {e.BytePositionInLine + 1}") : "unreadable";
}
