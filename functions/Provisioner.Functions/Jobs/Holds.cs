namespace Provisioner.Functions.Jobs;

/// <summary>
/// The end of a hold, pure (docs/lifecycle.md, "The backend ends holds"): a failed provision job
/// whose server its clean-up kept for a re-run from the failed step (<see cref="Job.ServerKeptUntil"/>)
/// holds that server until the re-run takes it over or the time passes; then the backend removes
/// it with a deprovision job (<see cref="Deprovision.HoldExpired"/>).
/// </summary>
internal static class Holds
{
    /// <summary>Whether <paramref name="job"/> holds a server: failed, kept until some time, named, not removed.</summary>
    public static bool Holding(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job is { Kind: JobKind.Provision, Status: JobStatus.Failed, ServerKeptUntil: not null, ServerRemovedAt: null }
            && !string.IsNullOrEmpty(job.Server?.Id);
    }

    /// <summary>Whether the hold has passed at <paramref name="now"/> (a re-run taking it over is checked with <see cref="TakenOver"/>).</summary>
    public static bool Expired(Job job, DateTimeOffset now) => Holding(job) && job.ServerKeptUntil <= now;

    /// <summary>Whether <paramref name="next"/> (the job <paramref name="job"/>'s <see cref="Job.NextJobId"/> names) is a re-run from the failed step on the held server.</summary>
    public static bool TakenOver(Job job, Job? next)
    {
        ArgumentNullException.ThrowIfNull(job);
        return next is not null && next.PreviousJobId == job.JobId && next.ResumeServerId is { } server && server == job.Server?.Id;
    }
}
