using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.CreateJob;

/// <summary>The body of <c>POST /api/jobs</c>: <c>{ "agent_id", "region" }</c>, validated.</summary>
public sealed record CreateJobRequest(string AgentId, string Region)
{
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

            if (!AgentIds.IsValid(agentId))
            {
                error = $"agent_id is {(agentId is null ? "missing or not a string" : "not valid")}: {AgentIds.Rule}.";
                return false;
            }

            if (!AgentIds.IsValidRegion(region))
            {
                error = $"region is {(region is null ? "missing or not a string" : "not valid")}: {AgentIds.RegionRule}.";
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
