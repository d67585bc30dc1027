using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// Takes an agent's health report: size cap, its key (the agent's current job, that job's run,
/// checked in constant time), the body, the rate limit, then one write to the agent's health
/// row and a copy beside the job's row, in its partition, for the status document. A report
/// never changes the job: provisioning state is the workflow's alone.
/// </summary>
internal sealed partial class ReportHealthHandler(
    AgentKeyRing keys,
    AgentStore agents,
    JobStore jobs,
    AgentHealthStore health,
    TimeProvider time,
    ILogger<ReportHealthHandler> logger)
{
    public const int MaxBodyBytes = 16 * 1024;

    private const string Refused = "The agent key is not valid for this agent: send the agent_key its job's claim returned, as Authorization: Bearer <agent_key>. A key stops working once a newer job of the agent is created.";

    public async Task<IResult> HandleAsync(HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = await BoundedBody.ReadAsync(request, MaxBodyBytes, "a health report is a status and a few named checks", cancellationToken);
        if (read.Problem is { } unreadable)
        {
            return unreadable;
        }

        if (keys.Current is not { } agentKeys)
        {
            LogNoSecret(logger);
            return Problems.Unhealthy($"Health reports are not accepted: {AgentHealthOptions.KeySecretSetting} is not set on the backend.");
        }

        if (!AgentIds.IsValid(agentId))
        {
            return Problems.BadRequest($"agent_id is not valid: {AgentIds.Rule}.");
        }

        if (BearerToken(request) is not { } key || !AgentKeys.TryReadJob(key, out var jobId))
        {
            LogRefused(logger, agentId, "no agent key, or not shaped like one");
            return new BearerChallenge(Refused);
        }

        // The key names its job; it counts only while that job is the agent's newest.
        if (await agents.FindNewestJobIdAsync(agentId, cancellationToken) != jobId
            || await jobs.FindAsync(jobId, cancellationToken) is not { WorkflowRunId: { } runId } job
            || job.AgentId != agentId
            || !agentKeys.Verify(key, jobId, agentId, runId))
        {
            LogRefused(logger, agentId, "wrong, forged or revoked key");
            return new BearerChallenge(Refused);
        }

        if (job.ServerRemovedAt is not null)
        {
            LogRefused(logger, agentId, "its server was removed");
            return new BearerChallenge($"The server of job {jobId} was removed, so its agent key no longer counts.");
        }

        if (job.Status == JobStatus.Failed)
        {
            LogRefused(logger, agentId, "the job failed");
            return new BearerChallenge($"Job {jobId} failed, so its agent key no longer counts.");
        }

        if (!AgentReportParser.TryParse(read.Body, out var report, out var error))
        {
            return Problems.BadRequest(error);
        }

        var at = time.GetUtcNow();
        var wait = await health.RecordReportAsync(agentId, jobId, report, at, AgentHealthOptions.MinInterval, cancellationToken);
        if (wait is { } tooSoon)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(tooSoon.TotalSeconds));
            return new ProblemResult(
                StatusCodes.Status429TooManyRequests,
                "Too many health reports",
                string.Create(CultureInfo.InvariantCulture, $"Agent {agentId} reported less than {AgentHealthOptions.MinInterval.TotalSeconds:0} s ago; report once a minute, and not again before {seconds} s."),
                retryAfterSeconds: seconds);
        }

        // The status document reads health beside the job (one request a document): a side row
        // of the job's partition; the job row stays as the workflow made it.
        await jobs.AttachAgentReportAsync(jobId, JobRowReport.Serialize(report, at), cancellationToken);
        LogReported(logger, jobId, agentId, report.Status);
        return TypedResults.NoContent();
    }

    /// <summary>The token of <c>Authorization: Bearer &lt;token&gt;</c> (scheme case-insensitive, RFC 7235); null for anything else.</summary>
    private static string? BearerToken(HttpRequest request)
    {
        var values = request.Headers.Authorization;
        if (values.Count != 1 || values[0] is not { } header)
        {
            return null;
        }

        const string Scheme = "Bearer ";
        return header.Length > Scheme.Length && header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            ? header[Scheme.Length..].Trim()
            : null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Health report refused: AGENT_KEY_SECRET is not set")]
    private static partial void LogNoSecret(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health report for agent {AgentId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Health report for job {JobId} (agent {AgentId}): {Status}")]
    private static partial void LogReported(ILogger logger, Guid jobId, string agentId, string status);
}
