using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Provisioner.Functions.CreateJob;

/// <summary>The body of <c>POST /api/jobs</c>: <c>{ "agent_id", "region" }</c>, validated.</summary>
public sealed record CreateJobRequest(string AgentId, string Region)
{
    public const int MaxAgentIdLength = 64;
    public const int MaxRegionLength = 32;

    public static bool IsValidAgentId(string? value) =>
        value is { Length: >= 1 and <= MaxAgentIdLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    public static bool IsValidRegion(string? value) =>
        value is { Length: >= 1 and <= MaxRegionLength } && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    public static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out CreateJobRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            error = "The body is not valid UTF-8. Send {\"agent_id\": \"…\", \"region\": \"…\"}.";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            error = "The body is not valid JSON. Send {\"agent_id\": \"…\", \"region\": \"…\"}.";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The body must be a JSON object: {\"agent_id\": \"…\", \"region\": \"…\"}.";
                return false;
            }

            string? agentId, region;
            try
            {
                agentId = StringOf(root, "agent_id");
                region = StringOf(root, "region");
            }
            catch (InvalidOperationException)
            {
                error = "agent_id or region is not valid text (check its \\u escapes).";
                return false;
            }

            if (!IsValidAgentId(agentId))
            {
                error = $"agent_id is {(agentId is null ? "missing or not a string" : "not valid")}: use 1 to {MaxAgentIdLength} characters of A-Z a-z 0-9 _ -.";
                return false;
            }

            if (!IsValidRegion(region))
            {
                error = $"region is {(region is null ? "missing or not a string" : "not valid")}: use 1 to {MaxRegionLength} characters of a-z 0-9 -, for example \"eu-central\".";
                return false;
            }

            request = new CreateJobRequest(agentId!, region!);
            error = null;
            return true;
        }
    }

    private static string? StringOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
}
