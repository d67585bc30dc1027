using Provisioner.Functions.Jobs;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Jobs;

/// <summary>When a failed job's hold on its server ends, as pure rules (Jobs/Holds).</summary>
public sealed class HoldsTests
{
    private static readonly DateTimeOffset KeptUntil = Start.AddMinutes(30);

    private static Job Held() =>
        Apply(Provisioning(), Failed("configure") with { Server = new ServerInfo("4711", "203.0.113.7", "100.64.0.7"), ServerKeptUntil = KeptUntil });

    [Fact]
    public void Expired_BeforeAtAndAfterKeptUntil()
    {
        var held = Held();

        Assert.True(Holds.Holding(held));
        Assert.False(Holds.Expired(held, KeptUntil.AddSeconds(-1)));
        Assert.True(Holds.Expired(held, KeptUntil));
        Assert.True(Holds.Expired(held, KeptUntil.AddHours(1)));
    }

    [Fact]
    public void Expired_NotForAServerRemovedNotKeptOrAJobThatDidNotFail()
    {
        var later = KeptUntil.AddMinutes(1);

        Assert.False(Holds.Expired(Held() with { ServerRemovedAt = later }, later));
        Assert.False(Holds.Expired(Held() with { ServerKeptUntil = null }, later));
        Assert.False(Holds.Expired(Held() with { Server = null }, later));
        Assert.False(Holds.Expired(Apply(Provisioning(), Running()) with { ServerKeptUntil = KeptUntil }, later));
        Assert.False(Holds.Expired(Held() with { Kind = JobKind.Deprovision }, later));
    }

    [Fact]
    public void TakenOver_OnlyByAReRunOfThisJobOnThisServer()
    {
        var held = Held();
        var next = Job.Create(Guid.NewGuid(), held.AgentId, held.Region, KeptUntil) with { PreviousJobId = held.JobId };

        Assert.True(Holds.TakenOver(held, next with { ResumeServerId = "4711", ResumeFrom = "configure" }));
        Assert.False(Holds.TakenOver(held, next)); // a re-run from the start makes a server of its own
        Assert.False(Holds.TakenOver(held, next with { ResumeServerId = "9" }));
        Assert.False(Holds.TakenOver(held, next with { ResumeServerId = "4711", PreviousJobId = Guid.NewGuid() }));
        Assert.False(Holds.TakenOver(held, null)); // the re-run lost the agent and was deleted
    }

    [Fact]
    public void DeprovisionFor_RecordsWhy()
    {
        var held = Held();

        Assert.Equal(Deprovision.HoldExpired, Deprovision.For(held, Guid.NewGuid(), KeptUntil, Deprovision.HoldExpired).DeprovisionReason);
        Assert.Equal(Deprovision.Requested, Deprovision.For(held, Guid.NewGuid(), KeptUntil).DeprovisionReason);
        var first = Deprovision.For(held, Guid.NewGuid(), KeptUntil, Deprovision.HoldExpired);
        Assert.Equal(Deprovision.HoldExpired, Deprovision.NextAttempt(first, Guid.NewGuid(), KeptUntil).DeprovisionReason);
    }
}
