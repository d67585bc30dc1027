using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Storage;

/// <summary>The failure's reason survives the table row, and rows written before the column existed still read.</summary>
public sealed class JobEntityTests
{
    [Theory]
    [InlineData(FailureReason.DispatchFailed)]
    [InlineData(FailureReason.DispatchNotStarted)]
    [InlineData(FailureReason.Silent)]
    [InlineData(FailureReason.TooLong)]
    public void RoundTrip_BackendFailure_KeepsItsReason(object reasonValue)
    {
        var reason = (FailureReason)reasonValue;
        var job = JobTransitions.Fail(NewJob(), reason, "gave up", null, Start.AddMinutes(30));
        var entity = JobEntity.From(job);
        Assert.Equal(reason.Code(), entity.FailureReason);
        Assert.Equal(reason, entity.ToJob().Failure?.Reason);
    }

    [Fact]
    public void RoundTrip_WorkflowFailure_IsWorkflow()
    {
        var job = Apply(Provisioning(), Failed("install"));
        Assert.Equal(FailureReason.Workflow, JobEntity.From(job).ToJob().Failure?.Reason);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, FailureReason.Workflow)]
    public void OlderRow_WithoutTheReasonColumn_ReadsWorkflowOrNoReason(bool byWorkflow, object? expectedValue)
    {
        var expected = (FailureReason?)expectedValue;
        var entity = JobEntity.From(JobTransitions.Fail(NewJob(), FailureReason.Silent, "timed out", null, Start.AddMinutes(20)));
        entity.FailureReason = null;
        entity.FailedByWorkflow = byWorkflow;
        Assert.Equal(expected, entity.ToJob().Failure?.Reason);
    }
}
