using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions.Reconcile;

/// <summary>
/// The sweep's first watcher (docs/reconcile.md): before a job's deadlines are checked, GitHub is
/// asked about its run when the job has been silent <c>RECONCILE_AFTER_MINUTES</c> or is about to
/// miss a deadline. The answer is published (<see cref="JobChangeCause.Reconcile"/>) whether or not
/// it changed the job: a run waiting for a runner raises <c>job.stalled</c> (Notifications/).
/// </summary>
internal sealed class ReconcileWatch(RunReconciler reconciler, IOptions<ReconcileOptions> options, JobChanges changes) : IInFlightWatcher
{
    public async Task<Job> BeforeDeadlinesAsync(Job job, DateTimeOffset now, DeadlineLimits limits, SweepTally tally, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(tally);
        if (!reconciler.IsDue(job, now, limits, options.Value.After))
        {
            return job;
        }

        var answer = await reconciler.ReconcileAsync(job, cancellationToken);
        tally.Reconciled += answer.Verdict == ReconcileVerdict.Skipped ? 0 : 1;
        tally.NotModified += answer.NotModified ? 1 : 0;
        tally.FailedByGitHub += answer.Verdict == ReconcileVerdict.Failed ? 1 : 0;
        await changes.PublishAsync(new JobChange(job, answer.Job, JobChangeCause.Reconcile), cancellationToken);
        return answer.Job;
    }
}
