using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// Which notifications a change of a job raises: a pure function of the job before and after,
/// so every writer of the job row (callbacks, dispatch, the sweeper, reconciliation) raises
/// them the same way, in the same transaction (<see cref="Storage.JobStore"/>).
/// </summary>
internal static class JobEvents
{
    public static IReadOnlyList<string> Between(Job before, Job after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var events = new List<string>(1);
        if (before.RunningAt is null && after.RunningAt is not null)
        {
            events.Add(EventTypes.JobRunning);
        }

        if (before.Failure is null && after.Failure is not null)
        {
            events.Add(EventTypes.JobFailed);
        }

        if (before.CancelledAt is null && after.CancelledAt is not null)
        {
            events.Add(EventTypes.JobCancelled);
        }

        return events;
    }
}
