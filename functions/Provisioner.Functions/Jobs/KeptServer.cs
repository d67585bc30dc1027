using System.Globalization;

namespace Provisioner.Functions.Jobs;

/// <summary>
/// The rules of a kept server (docs/lifecycle.md, "Re-run from the failed step"): what a
/// failure callback's <c>server_kept_until</c> is worth, and whether a failed job can be re-run
/// from its failed step. Pure: the time is passed in.
/// </summary>
internal static class KeptServer
{
    /// <summary>The <c>resume_from</c> of a re-run that starts at Installing Dependencies.</summary>
    public const string Install = "install";

    /// <summary>The <c>resume_from</c> of a re-run that starts at Configuring Agent.</summary>
    public const string Configure = "configure";

    /// <summary>
    /// A failure callback's deadline as the backend records it: none when keeping is off or the
    /// callback named no server; otherwise the reported time, but never later than the failure
    /// (<paramref name="receivedAt"/>) plus <c>KEEP_FAILED_SERVER_MINUTES</c> plus
    /// <see cref="KeepPolicy.Slack"/>, and never earlier than the failure. A signed callback
    /// is trusted, yet the setting is the bound.
    /// </summary>
    public static Callback Bound(Callback callback, KeepPolicy keep, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentNullException.ThrowIfNull(keep);
        if (callback.ServerKeptUntil is not { } reported)
        {
            return callback;
        }

        if (callback.Kind != CallbackKind.Failed || !keep.Keeps || string.IsNullOrEmpty(callback.Server?.Id))
        {
            return callback with { ServerKeptUntil = null };
        }

        // Never earlier than the failure either: a deadline already past is a closed window, and
        // Table storage cannot hold times before 1601.
        var limit = receivedAt + TimeSpan.FromMinutes(keep.KeepFailedServerMinutes) + KeepPolicy.Slack;
        return callback with { ServerKeptUntil = reported > limit ? limit : reported < receivedAt ? receivedAt : reported };
    }

    /// <summary>Where a re-run of a failure on <paramref name="stepIndex"/> starts; null for a step a re-run cannot start from.</summary>
    public static string? ResumeFromOf(int stepIndex) => stepIndex switch
    {
        StepNames.InstallingStep => Install,
        StepNames.ConfiguringStep => Configure,
        _ => null,
    };

    /// <summary>
    /// Why <paramref name="job"/> cannot be re-run from its failed step at <paramref name="now"/>,
    /// in words for a <c>409</c>'s detail; null when it can (a failed job at Installing
    /// Dependencies or Configuring Agent whose server is kept until later than now). Whether a
    /// next attempt exists is settled by the retry's link, as for any retry.
    /// </summary>
    public static string? Refusal(Job job, DateTimeOffset now, KeepPolicy keep)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(keep);
        var start = " Retry from the start with {\"from\": \"start\"}.";
        if (job.Status == JobStatus.Cancelled)
        {
            return $"Job {job.JobId} was cancelled: its clean-up deleted the server, so there is none to re-run on." + start;
        }

        if (job.Failure is not { } failure)
        {
            return $"Job {job.JobId} is {job.Status.ToString().ToLowerInvariant()}: only a failed job can be re-run from its failed step.";
        }

        var step = StepNames.Steps[failure.StepIndex];
        if (ResumeFromOf(failure.StepIndex) is null)
        {
            return failure.StepIndex == StepNames.CreatingStep
                ? $"Job {job.JobId} failed at {step.Label}: no server was made, so there is none to re-run on." + start
                : $"Job {job.JobId} failed at {step.Label}: only a failure at Installing Dependencies or Configuring Agent can be re-run from its step." + start;
        }

        if (job.ServerKeptUntil is not { } keptUntil || string.IsNullOrEmpty(job.Server?.Id))
        {
            var why = !failure.ByWorkflow
                ? $"the backend ended it ({failure.Reason?.Code() ?? "failed"}), and the workflow's clean-up deletes the server of a run that did not report its own failure"
                : !keep.Keeps
                    ? $"keeping failed servers is off ({KeepPolicy.Setting} is 0)"
                    : "its failure report did not say the server was kept (no server_id and server_kept_until)";
            return $"Job {job.JobId} failed at {step.Label}, but its server was not kept: {why}." + start;
        }

        if (job.ServerRemovedAt is { } removedAt)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Job {job.JobId} failed at {step.Label}, but its kept server was removed at {removedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} by job {job.ServerRemovedByJobId}.") + start;
        }

        if (keptUntil <= now)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Job {job.JobId} failed at {step.Label}, but the window to re-run it from there closed at {keptUntil.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}: its server was kept until then and is deleted after.") + start;
        }

        return null;
    }
}
