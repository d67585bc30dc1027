using System.Globalization;

namespace Provisioner.Functions.Jobs;

/// <summary>
/// Which deadline, if any, a job in flight has passed: a pure function of the job, the time and
/// the limits (docs/dispatch.md, "Deadlines"). Two deadlines watch every job in flight:
/// <list type="bullet">
/// <item>one for its phase: while it is dispatched and its run has not reported, the run must
/// start within <see cref="DeadlineLimits.DispatchStart"/> of the dispatch
/// (<see cref="FailureReason.DispatchNotStarted"/>); otherwise (waiting for dispatch, or the run
/// has reported) it must not be silent for <see cref="DeadlineLimits.Silence"/> since its last
/// sign of life (<see cref="FailureReason.Silent"/>);</item>
/// <item>and <see cref="DeadlineLimits.Total"/> since its creation, whatever it does
/// (<see cref="FailureReason.TooLong"/>).</item>
/// </list>
/// When both have passed (the sweeper was late, or the limits overlap) the one that fell due
/// first is the reason, as it would have been had the sweeper run at that moment; on a tie,
/// the phase's own deadline, which says more about what went wrong.
/// </summary>
internal static class Deadlines
{
    public static MissedDeadline? Missed(Job job, DateTimeOffset now, DeadlineLimits limits)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(limits);
        if (job.IsTerminal)
        {
            return null;
        }

        // OrderBy is stable: on a tie the phase's deadline, listed first, stays first.
        var passed = Watching(job, limits).Where(d => now > d.Due).OrderBy(d => d.Due).ToList();
        (FailureReason Reason, DateTimeOffset Due, TimeSpan Limit)? first = passed.Count == 0 ? null : passed[0];
        return first is { } missed ? new MissedDeadline(missed.Reason, missed.Due, Message(job, missed.Reason, limits)) : null;
    }

    /// <summary>The two deadlines that watch a job in flight now (its phase's first), each with the limit it applies; none for a job that has ended.</summary>
    public static IReadOnlyList<(FailureReason Reason, DateTimeOffset Due, TimeSpan Limit)> Watching(Job job, DeadlineLimits limits)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(limits);
        if (job.IsTerminal)
        {
            return [];
        }

        // GitHub saying the run is in progress (reconciliation) is a sign of life: the run has
        // started, and its silence counts from the later of that and the last callback.
        var phase = job.RunAliveAt is not null
            ? (Reason: FailureReason.Silent, Due: LastSignOfLife(job) + limits.Silence, Limit: limits.Silence)
            : job.DispatchedAt is { } dispatched && !job.RunReported
            ? (Reason: FailureReason.DispatchNotStarted, Due: dispatched + limits.DispatchStart, Limit: limits.DispatchStart)
            : (Reason: FailureReason.Silent, Due: job.UpdatedAt + limits.Silence, Limit: limits.Silence);
        return [phase, (FailureReason.TooLong, job.CreatedAt + limits.Total, limits.Total)];
    }

    private static string Message(Job job, FailureReason reason, DeadlineLimits limits) => reason switch
    {
        FailureReason.DispatchNotStarted =>
            $"The workflow run did not start: the job was dispatched at {Time(job.DispatchedAt!.Value)} and no run reported within {Minutes(limits.DispatchStart)} minutes, the limit {DeadlineLimits.DispatchStartSetting} sets. Check that GitHub Actions has a runner for the workflow and that the run was not cancelled or left queued (raise {DeadlineLimits.DispatchStartSetting} if runs wait longer for a runner); create the job again to retry.",
        FailureReason.Silent =>
            $"Timed out: no callback or heartbeat from the workflow for {Minutes(limits.Silence)} minutes, the limit {DeadlineLimits.SilenceSetting} sets, while {Doing(job)} (last sign of life at {Time(LastSignOfLife(job))}{(job.RunAliveAt is null ? "" : ", GitHub's word that the run was in progress included")}). Check the workflow run; create the job again to retry.",
        FailureReason.TooLong =>
            $"Took too long: the job was still {Doing(job)} {Minutes(limits.Total)} minutes after it was created, the limit {DeadlineLimits.MaxSetting} sets (last sign of life at {Time(job.UpdatedAt)}). Check the workflow run for a step that hangs or repeats (raise {DeadlineLimits.MaxSetting} if provisioning really takes longer); create the job again to retry.",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "not a deadline"),
    };

    private static DateTimeOffset LastSignOfLife(Job job) => job.RunAliveAt is { } alive && alive > job.UpdatedAt ? alive : job.UpdatedAt;

    private static string Doing(Job job) =>
        job.RunReported ? "provisioning"
        : job.DispatchedAt is null ? "waiting to be dispatched"
        : "waiting for the workflow run to start";

    private static string Minutes(TimeSpan limit) => limit.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
