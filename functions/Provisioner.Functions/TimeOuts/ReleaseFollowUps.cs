namespace Provisioner.Functions.TimeOuts;

/// <summary>
/// The last watcher of the sweep: a job that has ended and is about to be let go is published
/// once more, unchanged (<see cref="JobChangeCause.Sweep"/>), so a follow-up its last callback
/// could not finish (a deprovision job's server-removal mark) is done before the sweeper stops watching it.
/// </summary>
internal sealed class ReleaseFollowUps(JobChanges changes) : IInFlightWatcher
{
    public async Task<bool> HoldsAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.IsTerminal)
        {
            await changes.PublishAsync(JobChange.SeenAgain(job, JobChangeCause.Sweep), cancellationToken);
        }

        return false;
    }
}
