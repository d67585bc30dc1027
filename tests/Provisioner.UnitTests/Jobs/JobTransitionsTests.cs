using CsCheck;
using Provisioner.Functions.Jobs;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Jobs;

public sealed class JobTransitionsTests
{
    private static readonly Callback[] HappyPath = [Provisioning(), Step("vm_created"), Step("ansible_started"), Step("ansible_complete"), Running()];

    [Fact]
    public void Apply_LateStepAfterALaterOne_ChangesNoState()
    {
        var job = Apply(Provisioning(), Step("ansible_started"));
        var late = Apply(job, Step("vm_created"));
        Assert.Equal(States(job), States(late));
        Assert.Equal("ansible_started", StepProjection.CurrentStep(late));
    }

    [Fact]
    public void Apply_SameCallbackTwice_ChangesNothingTheSecondTime()
    {
        var job = Apply(Provisioning(), Step("vm_created"));
        var again = JobTransitions.Apply(job, Step("vm_created"), Start.AddHours(1));
        var accepted = Assert.IsType<CallbackOutcome.Accepted>(again);
        Assert.False(accepted.Changed);
        Assert.Same(job, accepted.Job);
    }

    [Fact]
    public void Apply_RunningJob_StaysRunningWhateverFollows()
    {
        var running = Apply(HappyPath);
        foreach (var late in new[] { Provisioning(), Step("vm_created"), Failed("configure"), Heartbeat(), Running() })
        {
            var outcome = Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(running, late, Start.AddHours(2)));
            Assert.False(outcome.Changed);
            Assert.Equal(JobStatus.Running, outcome.Job.Status);
        }
    }

    [Fact]
    public void Apply_FailedJob_StaysFailedWhateverFollows()
    {
        var failed = Apply(Provisioning(), Failed("provision"));
        foreach (var late in new[] { Step("ansible_complete"), Running(), Failed("configure"), Heartbeat() })
        {
            // A late callback may fill in a fact (a step time, the server) but never the state.
            var outcome = Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(failed, late, Start.AddHours(2)));
            Assert.Equal(JobStatus.Failed, outcome.Job.Status);
            Assert.Equal("completed error pending pending pending", States(outcome.Job));
            Assert.Equal(failed.Failure, outcome.Job.Failure);
        }
    }

    [Fact]
    public void Apply_AnyOrderOfTheHappyPath_EndsRunningWithAllStepsCompleted()
    {
        // Every callback of one run, in any order, some twice: CsCheck generates the deliveries
        // and, on a failure, shrinks them to the smallest that still fails.
        Gen.Bool.Array[HappyPath.Length]
            .SelectMany(twice => Gen.Shuffle(HappyPath.Concat(HappyPath.Where((_, i) => twice[i])).ToArray()))
            .Sample(deliveries =>
            {
                var job = Apply(deliveries);
                Assert.Equal(JobStatus.Running, job.Status);
                Assert.Equal("completed completed completed completed completed", States(job));
                Assert.Equal("srv-1", job.Server?.Id);
            });
    }

    [Fact]
    public void Apply_ClaimBySecondRun_IsRefused()
    {
        var job = Apply(Provisioning("run-1"));
        Assert.IsType<CallbackOutcome.ClaimRefused>(JobTransitions.Apply(job, Provisioning("run-2"), Start.AddHours(1)));
        var same = Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(job, Provisioning("run-1"), Start.AddHours(1)));
        Assert.False(same.Changed);
    }

    [Fact]
    public void Apply_ClaimOfAJobThatAlreadyFailed_IsRefusedSoTheRunBuildsNothing()
    {
        var failed = JobTransitions.Fail(NewJob(), FailureReason.DispatchFailed, "dispatch failed", null, Start.AddMinutes(1));
        Assert.IsType<CallbackOutcome.ClaimRefused>(JobTransitions.Apply(failed, Provisioning("run-9"), Start.AddMinutes(2)));
    }

    [Fact]
    public void Apply_LateClaimOfAJobTheWorkflowFinished_IsAcceptedAndFillsInTheRunId()
    {
        // The run's own callbacks overtook its claim: it is the run that did the work.
        var running = Apply(Step("ansible_complete"), Running());
        var outcome = Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(running, Provisioning("run-3"), Start.AddHours(1)));
        Assert.Equal(JobStatus.Running, outcome.Job.Status);
        Assert.Equal("run-3", outcome.Job.WorkflowRunId);
    }

    [Fact]
    public void Apply_ClaimOfAJobTheBackendTimedOut_IsRefused()
    {
        var timedOut = JobTransitions.Fail(NewJob(), FailureReason.Silent, "timed out", null, Start.AddMinutes(20));
        Assert.IsType<CallbackOutcome.ClaimRefused>(JobTransitions.Apply(timedOut, Provisioning("run-4"), Start.AddMinutes(21)));
    }

    [Fact]
    public void Apply_Heartbeat_SetsOnlyTheHeartbeatTime()
    {
        var job = Apply(Provisioning(), Heartbeat());
        Assert.Equal(Start.AddMinutes(2), job.LastHeartbeatAt);
        Assert.Equal("completed active pending pending pending", States(job));
    }

    [Fact]
    public void Apply_FailureWithoutMessage_GetsOneSoThePageCanSaySomething()
    {
        var job = Apply(Provisioning(), Failed("configure", error: ""));
        Assert.False(string.IsNullOrWhiteSpace(job.Failure?.Message));
    }

    [Fact]
    public void Apply_VeryLongError_IsTruncatedNotRefused()
    {
        var job = Apply(Provisioning(), Failed("configure", error: new string('x', 50_000)));
        Assert.Equal(JobTransitions.MaxErrorLength, job.Failure!.Message.Length);
    }
}
