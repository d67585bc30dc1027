using Provisioner.Functions.Jobs;
using Provisioner.Functions.Teardown;

namespace Provisioner.Tests.Teardown;

/// <summary>The three steps of a deprovision job, a pure function of its facts, case by case.</summary>
public sealed class DeprovisionStepsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static Job Queued() => Deprovision.For(
        Job.Create(Guid.NewGuid(), "agent-1", "eu-central", T0.AddHours(-1)) with { RunningAt = T0.AddMinutes(-50), Server = new ServerInfo("58001", "203.0.113.7", "100.64.0.7") },
        Guid.NewGuid(),
        T0);

    private static Callback Claim(Job job) => new() { JobId = job.JobId, Kind = CallbackKind.Progress, Milestone = Milestone.Provisioning, WorkflowRunId = "9001" };

    private static Job Apply(Job job, Callback callback, DateTimeOffset at) =>
        ((CallbackOutcome.Accepted)JobTransitions.Apply(job, callback, at)).Job;

    private static string States(Job job) => string.Join(' ', StepProjection.Project(job).Select(s => s.State));

    [Fact]
    public void Queued_QueuedIsActive_AndNoRunHasReportedDespiteTheKnownServer()
    {
        var job = Queued();

        Assert.Equal("active pending pending", States(job));
        Assert.Equal(["queued", "removing", "removed"], StepProjection.Project(job).Select(s => s.Id));
        Assert.False(job.RunReported);
        Assert.Null(StepProjection.CurrentStep(job));
    }

    [Fact]
    public void Claimed_RemovingServerIsActiveFromTheClaim()
    {
        var job = Apply(Queued(), Claim(Queued()), T0.AddSeconds(10));

        Assert.Equal(JobStatus.Provisioning, job.Status);
        Assert.Equal("completed active pending", States(job));
        Assert.Equal(T0.AddSeconds(10), StepProjection.Project(job)[1].StartedAt);
    }

    [Fact]
    public void Removed_EveryStepCompleted_AtTheSuccess()
    {
        var queued = Queued();
        var job = Apply(Apply(queued, Claim(queued), T0.AddSeconds(10)), new Callback { JobId = queued.JobId, Kind = CallbackKind.Running, Server = new ServerInfo("58001", null, null) }, T0.AddSeconds(70));

        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Equal("completed completed completed", States(job));
        var steps = StepProjection.Project(job);
        Assert.Equal([T0.AddSeconds(10), T0.AddSeconds(70), T0.AddSeconds(70)], steps.Select(s => s.CompletedAt!.Value));
        Assert.Equal("203.0.113.7", job.Server!.Ip); // the success names only the id: the known addresses stay
    }

    [Theory]
    [InlineData("remove")]
    [InlineData("configure")] // a provision step name still lands on the deprovision job's only working step
    [InlineData(null)]
    public void FailedAfterTheClaim_ErrorOnRemovingServer(string? failedStep)
    {
        var queued = Queued();
        var job = Apply(Apply(queued, Claim(queued), T0.AddSeconds(10)), new Callback { JobId = queued.JobId, Kind = CallbackKind.Failed, Error = "locked", FailedStep = failedStep, Step = failedStep }, T0.AddSeconds(40));

        Assert.Equal("completed error pending", States(job));
        Assert.Equal("removing", DeprovisionSteps.StepIdOf(job, job.Failure!.StepIndex));
    }

    [Fact]
    public void FailedBeforeAnyRun_ErrorOnQueued()
    {
        var job = JobTransitions.Fail(Queued(), FailureReason.DispatchNotStarted, "no run", null, T0.AddMinutes(10));

        Assert.Equal("error pending pending", States(job));
    }

    [Fact]
    public void CancelledWhileRemoving_RemovingServerShowsCancelled()
    {
        var queued = Queued();
        var claimed = Apply(queued, Claim(queued), T0.AddSeconds(10));
        var job = claimed with { CancelRequestedAt = T0.AddSeconds(20), CancelledAt = T0.AddSeconds(30) };

        Assert.Equal("completed cancelled pending", States(job));
    }
}
