namespace Provisioner.Functions.Jobs;

/// <summary>
/// The cancel rules, as pure functions of a job and the time (docs/lifecycle.md, "Cancel"):
/// a job that was never dispatched is cancelled at once; one that was dispatched becomes
/// <c>cancelling</c> until the workflow's clean-up reports <c>status: cancelled</c>, or the
/// sweeper ends it unconfirmed; a run that claims a <c>cancelling</c> job is refused.
/// </summary>
internal static class Cancellation
{
    public const string UnconfirmedReason = "cancel_unconfirmed";

    /// <summary>What a cancel request does to a job.</summary>
    public abstract record Decision
    {
        private Decision()
        {
        }

        /// <summary>The job as it is to be stored; <paramref name="SendToGitHub"/> when the run must be cancelled there.</summary>
        public sealed record Accepted(Job Job, bool SendToGitHub) : Decision;

        public sealed record Refused(string Reason) : Decision;
    }

    public static Decision Request(Job job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        switch (job.Status)
        {
            case JobStatus.Queued when job.DispatchedAt is null:
                // Nothing was started: the dispatch function finds the job cancelled and sends nothing.
                return new Decision.Accepted(job with { CancelRequestedAt = now, CancelledAt = now, CancelConfirmed = true, UpdatedAt = Later(job.UpdatedAt, now) }, SendToGitHub: false);
            case JobStatus.Queued or JobStatus.Provisioning:
                return new Decision.Accepted(job with { CancelRequestedAt = now, UpdatedAt = Later(job.UpdatedAt, now) }, SendToGitHub: true);
            case JobStatus.Cancelling:
                // Asked again: nothing changes; the cancel is sent again only if it never got through.
                return new Decision.Accepted(job, SendToGitHub: job.CancelSentAt is null);
            default:
                return new Decision.Refused($"Job {job.JobId} is {job.Status.ToString().ToLowerInvariant()}: only a job that is queued or provisioning can be cancelled.");
        }
    }

    /// <summary>A claim (a run's first word) for a job being cancelled is refused, so the run stops before it creates anything.</summary>
    public static string? RefusesClaim(Job job, Callback callback)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(callback);
        return job.Status == JobStatus.Cancelling && !job.RunReported && callback is { Kind: CallbackKind.Progress, Milestone: null or Milestone.Provisioning }
            ? $"job {job.JobId} is being cancelled; the run must stop and create nothing"
            : null;
    }

    /// <summary>
    /// A claim refused by <see cref="RefusesClaim"/> confirms the cancel: no run has reported, every
    /// run must claim before it creates anything, and every later claim is refused too (the job has
    /// ended before any run reported). So the job ends as cancelled, confirmed, at once, instead of
    /// waiting for a clean-up that has nothing to do. Null when the refusal was for another reason.
    /// </summary>
    public static Job? EndAtRefusedClaim(Job job, Callback callback, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(job);
        return RefusesClaim(job, callback) is null
            ? null
            : job with { CancelledAt = at, CancelConfirmed = true, UpdatedAt = Later(job.UpdatedAt, at) };
    }

    /// <summary>
    /// A <c>status: cancelled</c> report for a job in flight that nobody asked to cancel is a time-out:
    /// GitHub concludes a job that reached its <c>timeout-minutes</c> as cancelled, and only the
    /// backend knows whether a person asked (docs/lifecycle.md, "Cancel"). The job ends failed,
    /// reason <c>timed_out</c> (<see cref="JobTransitions"/>), not cancelled.
    /// </summary>
    public static bool IsTimeOut(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return !job.IsTerminal && job.CancelRequestedAt is null;
    }

    /// <summary>The clean-up's <c>status: cancelled</c> for a job a person asked to cancel: the job ends as cancelled.</summary>
    public static Job Confirm(Job job, Callback callback, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(callback);
        var next = job.IsTerminal ? job : job with { CancelRequestedAt = job.CancelRequestedAt ?? at, CancelledAt = at, CancelConfirmed = true };
        return callback.Server is { IsEmpty: false } server && next.Server is null ? next with { Server = server } : next;
    }

    /// <summary>
    /// How long the cancel's own message (<c>cancel-runs</c>) has to get through before the sweeper
    /// sends it itself: the queue delivers it within seconds and retries a failed call every 30
    /// seconds, so a send still pending after this was lost (the process stopped between the job
    /// write and the enqueue) or keeps failing.
    /// </summary>
    public static readonly TimeSpan SendGrace = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The job row itself records a pending send, in the write that accepted the cancel: a job
    /// <c>cancelling</c> whose run is known and whose cancel has not got through (no
    /// <see cref="Job.CancelSentAt"/>). True when such a send is older than <see cref="SendGrace"/>,
    /// so the sweeper sends it again.
    /// </summary>
    public static bool SendOverdue(Job job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job is { Status: JobStatus.Cancelling, CancelSentAt: null, WorkflowRunId: not null, CancelRequestedAt: { } requested }
            && now - requested >= SendGrace;
    }

    /// <summary>For the sweeper: a job still <c>cancelling</c> <paramref name="limit"/> after the request ends as cancelled, unconfirmed.</summary>
    public static Job? EndUnconfirmed(Job job, DateTimeOffset now, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job is { Status: JobStatus.Cancelling, CancelRequestedAt: { } requested } && now - requested >= limit
            ? job with { CancelledAt = now, CancelConfirmed = false, UpdatedAt = Later(job.UpdatedAt, now) }
            : null;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
