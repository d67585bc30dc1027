namespace Provisioner.Functions.TimeOuts;

/// <summary>
/// A part of the time-out sweep (<see cref="TimeoutSweeper"/>) for the jobs in flight, so the
/// sweeper lists none of them: GitHub's word on a silent run (Reconcile/), the notifications
/// that must not be lost (Notifications/), the follow-ups of a job it lets go. They run in the
/// order they are registered (ProvisionerServiceCollectionExtensions). Each default does nothing.
/// </summary>
internal interface IInFlightWatcher
{
    /// <summary>Once per sweep, before the jobs.</summary>
    Task BeginSweepAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Before the deadlines are checked: may learn more of the job, and change it. Returns the job as stored.</summary>
    Task<Job> BeforeDeadlinesAsync(Job job, DateTimeOffset now, DeadlineLimits limits, SweepTally tally, CancellationToken cancellationToken) =>
        Task.FromResult(job);

    /// <summary>
    /// After the deadlines: true while something of the job is not done yet, so the sweeper keeps
    /// watching it (the later watchers are not asked this time); false lets a job that has ended go.
    /// </summary>
    Task<bool> HoldsAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken) =>
        Task.FromResult(false);
}

/// <summary>What the watchers of one sweep counted (<see cref="SweepResult"/>).</summary>
internal sealed class SweepTally
{
    public int Reconciled { get; set; }

    public int NotModified { get; set; }

    public int FailedByGitHub { get; set; }
}
