namespace Provisioner.Functions.Jobs;

/// <summary>
/// What a path that changes jobs tells its observers once its write has committed
/// (<see cref="IJobObserver"/>): the job before and after, and why. A path that looks at a job
/// again to repair what a crash may have left out (a callback sent again, the sweeper letting a
/// job go, a tear down finding the previous one unmarked) publishes the job unchanged (<see cref="Changed"/> false), so the follow-ups that
/// are idempotent run once more.
/// </summary>
/// <param name="Callback">The callback that caused it, when <paramref name="Cause"/> is <see cref="JobChangeCause.Callback"/>.</param>
internal sealed record JobChange(Job Before, Job After, JobChangeCause Cause, Callback? Callback = null)
{
    public bool Changed => Before != After;

    /// <summary>The job looked at again, unchanged.</summary>
    public static JobChange SeenAgain(Job job, JobChangeCause cause, Callback? callback = null) => new(job, job, cause, callback);
}

internal enum JobChangeCause
{
    /// <summary>An accepted callback (recorded now, or seen before).</summary>
    Callback,

    /// <summary>GitHub's answer about the run (docs/reconcile.md).</summary>
    Reconcile,

    /// <summary>The time-out sweeper, as it lets go of a job that has ended.</summary>
    Sweep,

    /// <summary>A tear down request, looking again at the agent's previous tear down.</summary>
    TearDown,
}
