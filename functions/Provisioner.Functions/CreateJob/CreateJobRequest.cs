using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.CreateJob;

/// <summary>The body of <c>POST /api/jobs</c>: <c>{ "agent_id", "region", "ttl_minutes"? }</c>, validated.</summary>
/// <param name="TtlMinutes">The server's lifetime in whole minutes from Running (docs/lifetime.md); null: the default.</param>
public sealed record CreateJobRequest(string AgentId, string Region, int? TtlMinutes = null)
{
    private const string Shape = "{\"agent_id\": \"…\", \"region\": \"…\"}";

    public static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out CreateJobRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        if (!JsonObjectBody.TryParse(body, 16, Shape, out var document, out error))
        {
            return false;
        }

        using (document)
        {
            string? agentId, region;
            try
            {
                agentId = JsonObjectBody.TextOf(document.RootElement, "agent_id");
                region = JsonObjectBody.TextOf(document.RootElement, "region");
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

            if (!Lifetimes.TryReadTtl(document.RootElement, out var ttl, out error))
            {
                return false;
            }

            request = new CreateJobRequest(agentId!, region!, ttl);
            error = null;
            return true;
        }
    }
}
