using Provisioner.Functions.Jobs;

namespace Provisioner.Tests.Jobs;

/// <summary>Quotas per person as pure rules (Jobs/Quotas) and their IETF RateLimit fields.</summary>
public sealed class QuotasTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);

    private static QuotaState Admit(QuotaState state, Guid job, DateTimeOffset at, QuotaLimits limits) =>
        Assert.IsType<QuotaDecision.Admitted>(Quotas.Admit(state, job, at, limits)).Next;

    [Fact]
    public void Servers_AdmitsUpToTheQuota_ThenRefusesWithoutAReset_UntilOneIsReleased()
    {
        var limits = new QuotaLimits(2, null);
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var state = Admit(Admit(QuotaState.Empty, a, Now, limits), b, Now, limits);

        var refused = Assert.IsType<QuotaDecision.Refused>(Quotas.Admit(state, c, Now, limits));
        Assert.Equal((Quotas.ServersPolicy, 2, (int?)null), (refused.Policy, refused.Limit, refused.ResetSeconds));
        Assert.Equal("\"servers\";r=0", Quotas.RateLimitField(refused));

        Assert.Equal(state, Admit(state, a, Now, limits) with { Creates = state.Creates }); // the same job again: already counted
        var released = Quotas.Release(state, a)!;
        Assert.Null(Quotas.Release(released, a)); // twice: nothing to write
        Assert.Equal(2, Admit(released, c, Now, limits).Holding.Count);
    }

    [Fact]
    public void TheCounter_KeepsOnlyWhatAQuotaThatIsSetNeeds_SoEachListIsBoundedByItsLimit()
    {
        var serversOnly = new QuotaLimits(3, null);
        var createsOnly = new QuotaLimits(null, 3);
        var state = QuotaState.Empty;
        for (var i = 0; i < 3; i++)
        {
            state = Admit(state, Guid.NewGuid(), Now.AddSeconds(i), createsOnly); // no servers quota: no holds kept
        }

        Assert.Empty(state.Holding);
        Assert.Equal(3, state.Creates.Count);
        Assert.IsType<QuotaDecision.Refused>(Quotas.Admit(state, Guid.NewGuid(), Now, createsOnly));

        state = QuotaState.Empty;
        for (var i = 0; i < 3; i++)
        {
            state = Admit(state, Guid.NewGuid(), Now.AddSeconds(i), serversOnly);
        }

        Assert.Equal(3, state.Holding.Count);
        Assert.Empty(state.Creates); // no hourly quota: no creates kept
        Assert.IsType<QuotaDecision.Refused>(Quotas.Admit(state, Guid.NewGuid(), Now, serversOnly));
    }

    [Fact]
    public void CreatesPerHour_RefusesWithTheSecondsUntilTheOldestLeavesTheWindow()
    {
        var limits = new QuotaLimits(null, 2);
        var state = Admit(Admit(QuotaState.Empty, Guid.NewGuid(), Now, limits), Guid.NewGuid(), Now.AddMinutes(10), limits);

        var refused = Assert.IsType<QuotaDecision.Refused>(Quotas.Admit(state, Guid.NewGuid(), Now.AddMinutes(30), limits));
        Assert.Equal((Quotas.CreatesPolicy, 2, (int?)1800), (refused.Policy, refused.Limit, refused.ResetSeconds));
        Assert.Equal("\"creates\";r=0;t=1800", Quotas.RateLimitField(refused));

        // An hour after the first create it has left the window (and is not kept in the row).
        var later = Admit(state, Guid.NewGuid(), Now.AddMinutes(60), limits);
        Assert.Equal(2, later.Creates.Count);
    }

    [Fact]
    public void PolicyField_ListsTheQuotasThatAreSet()
    {
        Assert.Equal("\"servers\";q=3, \"creates\";q=10;w=3600", Quotas.PolicyField(new QuotaLimits(3, 10)));
        Assert.Equal("\"creates\";q=10;w=3600", Quotas.PolicyField(new QuotaLimits(null, 10)));
        Assert.False(new QuotaLimits(null, null).Any);
    }

    [Fact]
    public void PersonOf_TheObjectId_OrOneSharedBucketWithoutSignIn()
    {
        Assert.Equal("anonymous", Quotas.PersonOf(null));
        Assert.Equal("p-0c9e1d2f-aaaa", Quotas.PersonOf(new Creator("0c9e1d2f-aaaa", "Ada")));
        Assert.Equal("p-a_b_c", Quotas.PersonOf(new Creator("a/b#c", null))); // never a character a partition key refuses
    }

    [Fact]
    public void ServerGone_WhenRemoved_OrTheRunEndedWithoutIt()
    {
        var job = Job.Create(Guid.NewGuid(), "agent-1", "eu-central", Now);
        Assert.False(Quotas.ServerGone(job));
        Assert.True(Quotas.ServerGone(JobTransitions.Fail(job, FailureReason.DispatchFailed, "no", null, Now)));
        Assert.False(Quotas.ServerGone(job with { RunningAt = Now }));
        Assert.True(Quotas.ServerGone(job with { RunningAt = Now, ServerRemovedAt = Now.AddHours(1) }));
    }
}
