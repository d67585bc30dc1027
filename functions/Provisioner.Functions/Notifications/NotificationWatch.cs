using Provisioner.Functions.Reconcile;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// The outbox's part in the time-out sweep and after GitHub's word on a run
/// (<see cref="NotificationOutbox"/>, docs/notifications.md "Why nothing is lost"):
/// <list type="bullet">
/// <item>each sweep first sends again the dead letters an operator marked;</item>
/// <item>for each job in flight, <c>job.stalled</c> once per deadline when it is near, then the
/// rows a crash or outage left off the queue are put there; the job is held (kept in the in-flight
/// index) while one of its events is not on the queue;</item>
/// <item>a run GitHub says is waiting for a runner raises <c>job.stalled</c> once.</item>
/// </list>
/// </summary>
internal sealed class NotificationWatch(NotificationOutbox outbox) : IInFlightWatcher, IJobObserver
{
    public async Task BeginSweepAsync(CancellationToken cancellationToken) =>
        await outbox.ReplayRequestedAsync(cancellationToken);

    public async Task<bool> HoldsAsync(Job job, DateTimeOffset now, DeadlineLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await outbox.WarnIfNearDeadlineAsync(job, now, limits, cancellationToken);
        return await outbox.FlushAsync(job.JobId, now, cancellationToken);
    }

    public async Task OnChangedAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change is { Cause: JobChangeCause.Reconcile, After: { IsTerminal: false, WaitingFor: RunReconciler.Runner } job })
        {
            await outbox.PublishAsync(EventTypes.JobStalled, job, RunReconciler.Runner, null, cancellationToken);
        }
    }
}
