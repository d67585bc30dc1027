using Provisioner.Functions.Audit;
using Provisioner.Functions.Jobs;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Audit;

/// <summary>Which write of nobody's request has an audit entry (Audit/AuditActions.OfBackend): the first move of a tear down the backend started.</summary>
public sealed class AuditActionsTests
{
    private static readonly DateTimeOffset At = Start.AddHours(2);

    private static Job Held() =>
        Apply(Provisioning(), Failed("configure") with { Server = new ServerInfo("4711", "203.0.113.7", "100.64.0.7"), ServerKeptUntil = At });

    [Theory]
    [InlineData(Deprovision.Expired, "server.expire")]
    [InlineData(Deprovision.HoldExpired, "server.hold_expire")]
    [InlineData(Deprovision.Requested, null)] // a person's: recorded with their request
    public void ATearDownTheBackendStarted_HasItsEntryWhenItIsDispatched(string reason, string? action)
    {
        var added = Deprovision.For(Held(), Guid.NewGuid(), At, reason);
        var dispatched = added with { DispatchedAt = At.AddSeconds(2) };

        Assert.Null(AuditActions.OfBackend(null, added)); // added: it may still be deleted, its agent busy
        Assert.Equal(action, AuditActions.OfBackend(added, dispatched));
        Assert.Null(AuditActions.OfBackend(dispatched, dispatched with { UpdatedAt = At.AddSeconds(5) })); // once only
    }

    [Fact]
    public void NoOtherWrite_HasAnEntryOfItsOwn()
    {
        var provision = NewJob(); // queued, not dispatched: a provision job
        Assert.Null(AuditActions.OfBackend(provision, provision with { DispatchedAt = At }));
        var added = Deprovision.For(Held(), Guid.NewGuid(), At, Deprovision.Expired);
        Assert.Null(AuditActions.OfBackend(added, added with { UpdatedAt = At.AddSeconds(1) })); // still queued, not dispatched
        var failed = JobTransitions.Fail(added, FailureReason.DispatchFailed, "could not be queued", null, At.AddSeconds(1));
        Assert.Equal("server.expire", AuditActions.OfBackend(added, failed)); // could not be dispatched: recorded too
    }
}
