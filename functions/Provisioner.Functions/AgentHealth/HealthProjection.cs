using System.Text.Json.Nodes;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// The health state, computed when it is read, so it is right at any moment without a writer:
/// silent for <c>HEALTH_SILENCE_MINUTES</c> (counted from the last report, or from running when
/// none came) is unreachable; otherwise the last report's status, or unknown before the first.
/// </summary>
internal static class HealthProjection
{
    public static HealthState StateOf(DateTimeOffset? runningAt, DateTimeOffset? lastReportAt, string? reportStatus, DateTimeOffset now, TimeSpan silence)
    {
        var since = Latest(runningAt, lastReportAt);
        if (since is { } quietSince && now - quietSince >= silence)
        {
            return HealthState.Unreachable;
        }

        return lastReportAt is null ? HealthState.Unknown
            : reportStatus == "degraded" ? HealthState.Degraded
            : HealthState.Healthy;
    }

    /// <summary>The health of a job's document: null unless it is running; only the job's own reports count.</summary>
    public static HealthView? For(Job job, AgentHealthRecord? record, DateTimeOffset now, TimeSpan silence)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Status != JobStatus.Running)
        {
            return null;
        }

        var own = record is not null && record.JobId == job.JobId ? record : null;
        var state = StateOf(job.RunningAt, own?.LastReportAt, own?.LastReport?.Status, now, silence);
        return new HealthView(AgentHealthStore.Name(state), own?.LastReportAt, Checks(own?.LastReport));
    }

    private static JsonObject? Checks(AgentReport? report)
    {
        if (report is null)
        {
            return null;
        }

        var checks = new JsonObject();
        foreach (var check in report.Checks)
        {
            checks[check.Name] = new JsonObject { ["status"] = check.Status, ["message"] = check.Message };
        }

        return checks;
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;
}
