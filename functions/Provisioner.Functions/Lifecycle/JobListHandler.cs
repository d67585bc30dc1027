using System.Globalization;
using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifecycle;

/// <summary>Serves the job lists: <c>GET /api/jobs</c> and <c>GET /api/agents/{agent_id}/jobs</c>.</summary>
internal sealed class JobListHandler(JobLister lister)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>The statuses a list can be filtered by, as the status document names them.</summary>
    public static IReadOnlyList<string> StatusNames { get; } = [.. Enum.GetValues<JobStatus>().Select(s => s.ToString().ToLowerInvariant())];

    public async Task<IResult> AllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryPaging(request.Query, out var limit, out var after, out var problem))
        {
            return problem;
        }

        JobStatus? status = null;
        if (Single(request.Query, "status", out var statusText, out problem) is false)
        {
            return problem;
        }

        if (statusText is not null)
        {
            if (!StatusNames.Contains(statusText))
            {
                return Problems.BadRequest($"status {Quote(statusText)} is not a job status: use one of {string.Join(", ", StatusNames)}, or leave it out for every job.");
            }

            status = Enum.Parse<JobStatus>(statusText, ignoreCase: true);
        }

        return new JobPageResult(await lister.ByStatusAsync(status, limit, after, cancellationToken));
    }

    public async Task<IResult> ForAgentAsync(HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AgentIds.IsValid(agentId))
        {
            return Problems.BadRequest($"agent_id {Quote(agentId)} is not valid: {AgentIds.Rule}.");
        }

        return TryPaging(request.Query, out var limit, out var after, out var problem)
            ? new JobPageResult(await lister.ByAgentAsync(agentId, limit, after, cancellationToken))
            : problem;
    }

    private static bool TryPaging(IQueryCollection query, out int limit, out string? after, out ProblemResult problem)
    {
        limit = DefaultLimit;
        after = null;
        if (!Single(query, "limit", out var limitText, out problem))
        {
            return false;
        }

        if (limitText is not null)
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit)
            {
                problem = Problems.BadRequest($"limit {Quote(limitText)} is not valid: use a whole number from 1 to {MaxLimit} (default {DefaultLimit}).");
                return false;
            }
        }

        if (!Single(query, "continuation", out var token, out problem))
        {
            return false;
        }

        if (token is not null)
        {
            if (!ContinuationToken.TryDecode(token, JobIndex.IsRowKey, out var rowKey))
            {
                problem = Problems.BadRequest("continuation is not a token this API gave: pass the \"continuation\" of the previous page as it was, or leave it out for the first page.");
                return false;
            }

            after = rowKey;
        }

        return true;
    }

    private static bool Single(IQueryCollection query, string name, out string? value, out ProblemResult problem)
    {
        problem = null!;
        value = null;
        var values = query[name];
        if (values.Count > 1)
        {
            problem = Problems.BadRequest($"{name} is given {values.Count} times: give it once.");
            return false;
        }

        value = values.Count == 1 ? values[0] : null;
        return true;
    }

    private static string Quote(string value) => "\"" + (value.Length > 80 ? value[..80] + "…" : value) + "\"";
}
