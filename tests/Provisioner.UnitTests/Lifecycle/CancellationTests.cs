using Provisioner.Functions.Jobs;
using Provisioner.Functions.Lifecycle;
using Provisioner.Functions.Status;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Lifecycle;

/// <summary>The cancel rules and the projection of a cancelled job, as pure functions.</summary>
public sealed class CancellationTests
{
    private static readonly DateTimeOffset Now = Start.AddHours(1);

    private static Callback Cancelled() => new() { JobId = JobId, Kind = CallbackKind.Cancelled };

    private static Job Accepted(Job job) => Assert.IsType<Cancellation.Decision.Accepted>(Cancellation.Request(job, Now)).Job;

    [Fact]
    public void Request_QueuedNeverDispatched_CancelledAtOnceWithNothingToSend()
    {
        var decision = Assert.IsType<Cancellation.Decision.Accepted>(Cancellation.Request(NewJob(), Now));

        Assert.Equal(JobStatus.Cancelled, decision.Job.Status);
        Assert.False(decision.SendToGitHub);
        Assert.True(decision.Job.IsTerminal);
    }

    [Fact]
    public void Request_Dispatched_CancellingAndSentToGitHub()
    {
        var decision = Assert.IsType<Cancellation.Decision.Accepted>(Cancellation.Request(NewJob() with { DispatchedAt = Start }, Now));

        Assert.Equal(JobStatus.Cancelling, decision.Job.Status);
        Assert.True(decision.SendToGitHub);
        Assert.False(decision.Job.IsTerminal);
    }

    [Fact]
    public void Request_CancellingAgain_UnchangedAndSentOnlyUntilGitHubTookIt()
    {
        var cancelling = Accepted(Apply(Provisioning()));

        var again = Assert.IsType<Cancellation.Decision.Accepted>(Cancellation.Request(cancelling, Now.AddMinutes(1)));
        Assert.Equal(cancelling, again.Job);
        Assert.True(again.SendToGitHub);

        var sent = cancelling with { CancelSentAt = Now };
        Assert.False(Assert.IsType<Cancellation.Decision.Accepted>(Cancellation.Request(sent, Now.AddMinutes(1))).SendToGitHub);
    }

    public static TheoryData<string, object> Ended => new()
    {
        { "running", Apply(Provisioning(), Running()) },
        { "failed", Apply(Provisioning(), Failed("install")) },
        { "cancelled", Accepted(NewJob()) },
    };

    [Theory]
    [MemberData(nameof(Ended))]
    public void Request_EndedJob_RefusedNamingItsStatus(string status, object jobValue)
    {
        var job = (Job)jobValue;
        var refused = Assert.IsType<Cancellation.Decision.Refused>(Cancellation.Request(job, Now));
        Assert.Contains($"is {status}", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ClaimOfACancellingJob_Refused()
    {
        var cancelling = Accepted(NewJob() with { DispatchedAt = Start, WorkflowRunId = "run-1" });

        Assert.IsType<CallbackOutcome.ClaimRefused>(JobTransitions.Apply(cancelling, Provisioning("run-1"), Now));
    }

    [Fact]
    public void Apply_ProgressOfARunAlreadyUnderWay_TakenWhileCancelling()
    {
        var cancelling = Accepted(Apply(Provisioning()));

        var next = Apply(cancelling, Step("vm_created"));

        Assert.Equal(JobStatus.Cancelling, next.Status);
        Assert.NotNull(next.VmCreatedAt);
    }

    [Fact]
    public void Apply_CancelledFromTheCleanUp_CancelledOnTheStepThatWasActive()
    {
        var cancelling = Accepted(Apply(Provisioning(), Step("vm_created")));

        var job = Apply(cancelling, Cancelled());

        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.True(job.CancelConfirmed);
        Assert.Equal("completed completed cancelled pending pending", States(job));
        Assert.Equal(job.CancelledAt, StepProjection.Project(job)[2].CompletedAt);
    }

    [Fact]
    public void Project_CancelledBeforeDispatch_QueuedShowsCancelled() =>
        Assert.Equal("cancelled pending pending pending pending", States(Accepted(NewJob())));

    [Fact]
    public void Apply_CancelledThenFailedOrRunning_StaysCancelled()
    {
        var cancelled = Apply(Accepted(Apply(Provisioning())), Cancelled());

        Assert.Equal(JobStatus.Cancelled, Apply(cancelled, Failed("install")).Status);
        Assert.Equal(JobStatus.Cancelled, Apply(cancelled, Running()).Status);
    }

    [Fact]
    public void Apply_CancelledAfterRunning_StaysRunning() =>
        Assert.Equal(JobStatus.Running, Apply(Provisioning(), Running(), Cancelled()).Status);

    [Fact]
    public void Apply_CancelledWithoutARequest_FailedTimedOutOnTheReportedStep()
    {
        // GitHub concludes a job that reached its timeout-minutes as cancelled; nobody asked to cancel.
        var report = Cancelled() with { FailedStep = "configure", Step = "configure", Error = "stopped in its configure phase" };
        var job = Apply(Provisioning(), Step(StepNames.VmCreated), report);

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Null(job.CancelledAt);
        Assert.Equal(FailureReason.TimedOut, job.Failure!.Reason);
        Assert.Equal("timed_out", job.Failure.Reason!.Value.Code());
        Assert.Equal("configure", job.Failure.ReportedStep);
        Assert.Equal(StepNames.ConfiguringStep, job.Failure.StepIndex);
        Assert.Equal("stopped in its configure phase", job.Failure.Message);
        Assert.True(job.Failure.ByWorkflow);
    }

    [Fact]
    public void Apply_CancelledWithoutARequestOrStep_FailedTimedOutOnTheFurthestStep()
    {
        var job = Apply(Provisioning(), Step(StepNames.VmCreated), Cancelled());

        Assert.Equal(FailureReason.TimedOut, job.Failure!.Reason);
        Assert.False(job.Failure.StepNamed);
        Assert.Equal(StepNames.InstallingStep, job.Failure.StepIndex);
        Assert.Contains("time limit", job.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_CancelledWithARequest_StillCancelledNotFailed()
    {
        var report = Cancelled() with { FailedStep = "install", Error = "stopped" };
        var job = Apply(Accepted(Apply(Provisioning())), report);

        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Null(job.Failure);
    }

    [Fact]
    public void Apply_TimedOutReportedTwice_OneFailure()
    {
        var report = Cancelled() with { FailedStep = "install", Error = "stopped" };
        var once = Apply(Provisioning(), report);
        var twice = Apply(once, report);

        Assert.Equal(once, twice);
        Assert.Equal(JobStatus.Failed, twice.Status);
    }

    [Fact]
    public void EndUnconfirmed_BeforeAndAfterTheLimit()
    {
        var cancelling = Accepted(Apply(Provisioning()));
        var limit = TimeSpan.FromMinutes(15);

        Assert.Null(Cancellation.EndUnconfirmed(cancelling, Now.AddMinutes(14), limit));
        var ended = Cancellation.EndUnconfirmed(cancelling, Now.AddMinutes(15), limit);

        Assert.Equal(JobStatus.Cancelled, ended!.Status);
        Assert.False(ended.CancelConfirmed);
        Assert.Equal(Cancellation.UnconfirmedReason, LifecycleViews.CancelError(ended)!.Reason);
        Assert.Null(Cancellation.EndUnconfirmed(Apply(Provisioning()), Now.AddDays(1), limit));
    }

    [Fact]
    public void SendOverdue_OnlyARunKnownNotSentCancelPastTheGrace()
    {
        var cancelling = Accepted(Apply(Provisioning()) with { WorkflowRunId = "42" });

        Assert.False(Cancellation.SendOverdue(cancelling, Now + Cancellation.SendGrace - TimeSpan.FromSeconds(1)));
        Assert.True(Cancellation.SendOverdue(cancelling, Now + Cancellation.SendGrace));
        Assert.False(Cancellation.SendOverdue(cancelling with { CancelSentAt = Now }, Now.AddHours(1)));
        Assert.False(Cancellation.SendOverdue(cancelling with { WorkflowRunId = null }, Now.AddHours(1))); // its claim is refused instead
        Assert.False(Cancellation.SendOverdue(cancelling with { CancelledAt = Now }, Now.AddHours(1)));
        Assert.False(Cancellation.SendOverdue(Apply(Provisioning()) with { WorkflowRunId = "42" }, Now.AddHours(1))); // nobody asked
    }
}
