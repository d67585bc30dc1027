using Provisioner.Functions.Jobs;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Jobs;

/// <summary>Every row of the step projection table (docs/api.md, "The five steps"), and the rules around it.</summary>
public sealed class StepProjectionTests
{
    // Rows hold callbacks as object: the job model is internal, and a public test method may not name its types.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "object on purpose: see above")]
    private static object C(params Callback[] callbacks) => callbacks;

    public static TheoryData<string, object, string, string, string?> ContractTable => new()
    {
        { "nothing yet", C(), "queued", "active pending pending pending pending", null },
        { "status=provisioning, no step", C(Provisioning()), "provisioning", "completed active pending pending pending", null },
        { "step vm_created", C(Provisioning(), Step("vm_created")), "provisioning", "completed completed active pending pending", "vm_created" },
        { "step ansible_started", C(Provisioning(), Step("vm_created"), Step("ansible_started")), "provisioning", "completed completed completed active pending", "ansible_started" },
        { "step ansible_complete", C(Provisioning(), Step("vm_created"), Step("ansible_started"), Step("ansible_complete")), "provisioning", "completed completed completed completed active", "ansible_complete" },
        { "status=running", C(Provisioning(), Step("vm_created"), Step("ansible_started"), Step("ansible_complete"), Running()), "running", "completed completed completed completed completed", "ansible_complete" },
        { "a step without the claim", C(Step("ansible_started")), "provisioning", "completed completed completed active pending", "ansible_started" },
    };

    [Theory]
    [MemberData(nameof(ContractTable))]
    public void Project_ContractRow_GivesTheContractStates(string row, object callbacksValue, string status, string states, string? currentStep)
    {
        var callbacks = (Callback[])callbacksValue;
        var job = Apply(callbacks);
        Assert.True(status.Equals(job.Status.ToString(), StringComparison.OrdinalIgnoreCase), row);
        Assert.Equal(states, States(job));
        Assert.Equal(currentStep, StepProjection.CurrentStep(job));
    }

    public static TheoryData<string?, string?, string> FailureByName => new()
    {
        // failed_step names the step.
        { "provision", null, "completed error pending pending pending" },
        { "install", null, "completed completed error pending pending" },
        { "ansible", null, "completed completed error pending pending" },
        { "configure", null, "completed completed completed error pending" },
        { "configure_full", null, "completed completed completed error pending" },
        { "configure_snapshot", null, "completed completed completed error pending" },
        // Only step names it.
        { null, "configure_snapshot", "completed completed completed error pending" },
        { "", "provision", "completed error pending pending pending" },
        // failed_step wins over step.
        { "provision", "configure", "completed error pending pending pending" },
    };

    [Theory]
    [MemberData(nameof(FailureByName))]
    public void Project_FailureNamingAStep_PutsTheErrorOnThatStep(string? failedStep, string? step, string states)
    {
        var job = Apply(Provisioning(), Step("vm_created"), Failed(failedStep, step));
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(states, States(job));
    }

    public static TheoryData<object, string> FailureByFallback => new()
    {
        { C(), "error pending pending pending pending" },
        { C(Provisioning()), "completed error pending pending pending" },
        { C(Provisioning(), Step("vm_created")), "completed completed error pending pending" },
        { C(Provisioning(), Step("vm_created"), Step("ansible_started")), "completed completed completed error pending" },
        { C(Provisioning(), Step("vm_created"), Step("ansible_started"), Step("ansible_complete")), "completed completed completed completed error" },
    };

    [Theory]
    [MemberData(nameof(FailureByFallback))]
    public void Project_FailureNamingNothingKnown_PutsTheErrorOnTheActiveStep(object beforeValue, string states)
    {
        var before = (Callback[])beforeValue;
        Assert.Equal(states, States(Apply([.. before, Failed("health_check", "something_else")])));
        Assert.Equal(states, States(Apply([.. before, Failed(null, null)])));
    }

    [Fact]
    public void Project_TimedOutJob_FailsTheActiveStep()
    {
        var job = JobTransitions.Fail(Apply(Provisioning(), Step("vm_created")), FailureReason.Silent, "timed out", null, Start.AddHours(1));
        Assert.Equal("completed completed error pending pending", States(job));
    }

    [Fact]
    public void Project_Times_AreSetForEveryStepReached()
    {
        var job = Apply(Provisioning(), Step("vm_created"), Step("ansible_started"), Step("ansible_complete"), Running());
        var steps = StepProjection.Project(job);
        for (var i = 0; i < steps.Count; i++)
        {
            Assert.Equal(Start.AddMinutes(i), steps[i].StartedAt);
            Assert.Equal(Start.AddMinutes(i + 1), steps[i].CompletedAt);
        }
    }

    [Fact]
    public void Project_PendingSteps_HaveNoTimes_ActiveStepHasOnlyAStart()
    {
        var steps = StepProjection.Project(Apply(Provisioning()));
        Assert.Equal(Start.AddMinutes(1), steps[1].StartedAt);
        Assert.Null(steps[1].CompletedAt);
        Assert.All(steps.Skip(2), s => Assert.True(s.StartedAt is null && s.CompletedAt is null));
    }

    [Fact]
    public void Project_ErrorStep_EndsWhenTheFailureArrived()
    {
        var steps = StepProjection.Project(Apply(Provisioning(), Failed("configure")));
        Assert.Equal("error", steps[3].State);
        Assert.Equal(Start.AddMinutes(2), steps[3].CompletedAt);
        Assert.NotNull(steps[3].StartedAt);
        Assert.NotNull(steps[2].CompletedAt);
    }

    [Fact]
    public void Project_OutOfOrderArrival_GivesTimesThatNeverDecrease()
    {
        var job = Apply(Step("ansible_complete"), Step("vm_created"), Provisioning(), Step("ansible_started"));
        Assert.Equal("completed completed completed completed active", States(job));
        var times = StepProjection.Project(job).SelectMany(s => new[] { s.StartedAt, s.CompletedAt }).OfType<DateTimeOffset>().ToList();
        Assert.Equal(times.Order(), times);
    }
}
