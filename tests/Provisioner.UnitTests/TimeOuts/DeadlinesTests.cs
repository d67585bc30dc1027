using Provisioner.Functions.Jobs;
using Provisioner.Functions.TimeOuts;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.TimeOuts;

/// <summary>
/// The deadline decision on its own: a job at a moment on the clock, the limits, and which
/// deadline (if any) it has missed. Limits here: the run must start 10 minutes after dispatch,
/// may be silent 15 minutes, and may take 60 minutes in total.
/// </summary>
public sealed class DeadlinesTests
{
    private static readonly DeadlineLimits Limits = new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(60));

    /// <summary>Named jobs, each as it stood; times are minutes after <see cref="Start"/> (its creation).</summary>
    private static Job Case(string name) => name switch
    {
        "created" => NewJob(),
        "dispatched at 1" => Dispatched(1),
        "dispatched at 1, run id from the dispatch" => Dispatched(1) with { WorkflowRunId = "77" },
        "dispatched at 1, claimed at 2" => Claimed(),
        "dispatched at 1, only a heartbeat at 2" => Dispatched(1) with { LastHeartbeatAt = At(2), UpdatedAt = At(2) },
        "claimed, heartbeats every 10 minutes up to 60" => Beating(every: 10, until: 60),
        "claimed, heartbeats every 10 minutes up to 50" => Beating(every: 10, until: 50),
        "running" => Apply(Dispatched(1), Provisioning(), Running()),
        "failed by the workflow" => Apply(Dispatched(1), Provisioning(), Failed("install")),
        "dispatched at 1, GitHub said in progress at 20" => Dispatched(1) with { RunAliveAt = At(20) },
        "dispatched at 1, GitHub said in progress at 55" => Dispatched(1) with { RunAliveAt = At(55) },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static TheoryData<string, double, object, string?> Decisions => new()
    {
        // Not yet due: each deadline passes only strictly after its limit.
        { "created", 15, Limits, null },
        { "dispatched at 1", 11, Limits, null },
        { "dispatched at 1, claimed at 2", 17, Limits, null },
        { "claimed, heartbeats every 10 minutes up to 50", 60, Limits, null },

        // Each deadline with its reason.
        { "created", 15.5, Limits, "silent" },
        { "dispatched at 1", 11.5, Limits, "dispatch_not_started" },
        { "dispatched at 1, run id from the dispatch", 11.5, Limits, "dispatch_not_started" },
        { "dispatched at 1, claimed at 2", 17.5, Limits, "silent" },
        { "dispatched at 1, only a heartbeat at 2", 17.5, Limits, "silent" },
        { "claimed, heartbeats every 10 minutes up to 60", 60.5, Limits, "too_long" },

        // Once the run has reported, the dispatch deadline no longer applies; before, silence does not.
        { "dispatched at 1, claimed at 2", 12, Limits, null },
        { "dispatched at 1", 16.5, Limits with { DispatchStart = TimeSpan.FromMinutes(20) }, null },
        { "dispatched at 1", 21.5, Limits with { DispatchStart = TimeSpan.FromMinutes(20) }, "dispatch_not_started" },

        // GitHub saying the run is in progress (reconciliation): the run has started, so silence
        // counts from that word instead of the dispatch deadline; never past the total.
        { "dispatched at 1, GitHub said in progress at 20", 34, Limits, null },
        { "dispatched at 1, GitHub said in progress at 20", 35.5, Limits, "silent" },
        { "dispatched at 1, GitHub said in progress at 55", 60.5, Limits, "too_long" },

        // Precedence: the deadline that fell due first, as a sweeper on time would have seen it.
        { "dispatched at 1", 120, Limits, "dispatch_not_started" },
        { "created", 120, Limits, "silent" },
        { "dispatched at 1", 120, Limits with { Total = TimeSpan.FromMinutes(5) }, "too_long" },
        { "dispatched at 1, claimed at 2", 120, Limits with { Total = TimeSpan.FromMinutes(10) }, "too_long" },

        // On a tie, the phase's own deadline says more than the total.
        { "created", 20, Limits with { Total = TimeSpan.FromMinutes(15) }, "silent" },
        { "dispatched at 1", 20, Limits with { Total = TimeSpan.FromMinutes(11) }, "dispatch_not_started" },

        // Ended jobs miss nothing.
        { "running", 600, Limits, null },
        { "failed by the workflow", 600, Limits, null },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Missed_JobAtAMoment_IsTheFirstDeadlinePassedOrNone(string job, double minutes, object limitsValue, string? expected)
    {
        var limits = (DeadlineLimits)limitsValue;
        var missed = Deadlines.Missed(Case(job), At(minutes), limits);
        Assert.Equal(expected, missed?.Reason.Code());
    }

    [Theory]
    [InlineData("dispatched at 1", 11.5, "dispatch_not_started", "10 minutes", "DISPATCH_START_MINUTES")]
    [InlineData("dispatched at 1, claimed at 2", 17.5, "silent", "15 minutes", "JOB_TIMEOUT_MINUTES")]
    [InlineData("claimed, heartbeats every 10 minutes up to 60", 60.5, "too_long", "60 minutes", "JOB_MAX_MINUTES")]
    public void Missed_Message_NamesTheLimitAndTheSettingToChange(string job, double minutes, string reason, string limit, string setting)
    {
        var missed = Deadlines.Missed(Case(job), At(minutes), Limits);
        Assert.NotNull(missed);
        Assert.Equal(reason, missed.Reason.Code());
        Assert.Contains(limit, missed.Message, StringComparison.Ordinal);
        Assert.Contains(setting, missed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missed_FractionsOfAMinute_AreLimitsToo()
    {
        var seconds = new DeadlineLimits(TimeSpan.FromMinutes(0.05), TimeSpan.FromMinutes(0.05), TimeSpan.FromMinutes(0.1));
        Assert.Null(Deadlines.Missed(Dispatched(0), Start.AddSeconds(3), seconds));
        Assert.Equal(FailureReason.DispatchNotStarted, Deadlines.Missed(Dispatched(0), Start.AddSeconds(4), seconds)?.Reason);
        Assert.Contains("0.05 minutes", Deadlines.Missed(Dispatched(0), Start.AddSeconds(4), seconds)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missed_Due_IsWhenTheDeadlineFellDue()
    {
        Assert.Equal(At(11), Deadlines.Missed(Dispatched(1), At(120), Limits)?.Due);
    }

    private static DateTimeOffset At(double minutes) => Start.AddMinutes(minutes);

    private static Job Dispatched(double minute) => NewJob() with { DispatchedAt = At(minute), UpdatedAt = At(minute) };

    /// <summary>Dispatched at 1, claimed at 2 (Apply puts its first callback at minute 1, so the claim is applied at 2 here).</summary>
    private static Job Claimed() => Received(Dispatched(1), Provisioning(), 2);

    private static Job Beating(int every, int until)
    {
        var job = Claimed();
        for (var minute = every; minute <= until; minute += every)
        {
            job = Received(job, Heartbeat(), minute);
        }

        return job;
    }

    private static Job Received(Job job, Callback callback, double minute) =>
        Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(job, callback, At(minute))).Job;
}
