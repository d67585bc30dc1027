using Provisioner.Functions.Jobs;
using Provisioner.Functions.Notifications;

namespace Provisioner.Tests.Notifications;

/// <summary>Which events a change of the job row raises: each ending once, nothing for other changes.</summary>
public sealed class JobEventsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 7, 0, 0, TimeSpan.Zero);
    private static readonly Job Queued = Job.Create(Guid.NewGuid(), "agent-1", "eu-central", At);

    [Fact]
    public void Cancelled_RaisesJobCancelledOnce()
    {
        var cancelling = Queued with { CancelRequestedAt = At.AddMinutes(1) };
        var cancelled = cancelling with { CancelledAt = At.AddMinutes(2) };
        Assert.Empty(JobEvents.Between(Queued, cancelling));
        Assert.Equal([EventTypes.JobCancelled], JobEvents.Between(cancelling, cancelled));
        Assert.Empty(JobEvents.Between(cancelled, cancelled with { UpdatedAt = At.AddMinutes(3) }));
    }

    [Fact]
    public void Running_RaisesJobRunningOnce()
    {
        var running = Queued with { RunningAt = At.AddMinutes(5) };
        Assert.Equal([EventTypes.JobRunning], JobEvents.Between(Queued, running));
        Assert.Empty(JobEvents.Between(running, running with { UpdatedAt = At.AddMinutes(6) }));
    }
}
