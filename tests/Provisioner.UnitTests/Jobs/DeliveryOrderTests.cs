using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Status;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Jobs;

/// <summary>
/// One run's callbacks give one final document, whatever order they are applied in
/// (docs/callbacks.md, "How callbacks merge"). Each delivery keeps its own receive time
/// wherever it lands in the order: applying out of receive order is what concurrent requests
/// do when one overtakes another between being received and being stored.
/// </summary>
public sealed class DeliveryOrderTests
{
    private const string RunId = "run-1";

    /// <summary>The legacy workflow names its run on the claim only; this project's names it on every callback.</summary>
    public static TheoryData<bool> RunIdOnEveryCallback => new() { false, true };

    private static (Callback Callback, DateTimeOffset At)[] SuccessRun(bool runIdEverywhere) => Timed(runIdEverywhere,
        Provisioning(RunId), Step("vm_created"), Step("ansible_started") with { Mode = "full", UsedSnapshot = false }, Step("ansible_complete"), Running() with { UsedSnapshot = false });

    private static (Callback Callback, DateTimeOffset At)[] FailedRun(bool runIdEverywhere) => Timed(runIdEverywhere,
        Provisioning(RunId), Step("vm_created"), Step("ansible_started"), Failed("configure_full", "configure_full", "health check failed") with { Server = new ServerInfo("srv-1", "203.0.113.7", null) });

    [Theory]
    [MemberData(nameof(RunIdOnEveryCallback))]
    public void Apply_EveryOrderOfOneSuccessfulRun_GivesOneDocument(bool runIdEverywhere)
    {
        var run = SuccessRun(runIdEverywhere);
        var expected = Document(ApplyInOrder(run));

        var orders = 0;
        foreach (var order in Permutations(run))
        {
            Assert.Equal(expected, Document(ApplyInOrder(order)));
            orders++;
        }

        Assert.Equal(120, orders);
        var document = JsonNode.Parse(expected)!;
        Assert.Equal("running", (string?)document["status"]);
        Assert.Equal("ansible_complete", (string?)document["current_step"]);
        Assert.Equal(RunId, (string?)document["workflow_run_id"]);
        Assert.Equal("203.0.113.7", (string?)document["server"]!["ip"]);
        Assert.Equal(Start.AddMinutes(5), ApplyInOrder(run).UpdatedAt);
    }

    [Theory]
    [MemberData(nameof(RunIdOnEveryCallback))]
    public void Apply_EveryOrderOfOneFailedRun_GivesOneDocument(bool runIdEverywhere)
    {
        var run = FailedRun(runIdEverywhere);
        var expected = Document(ApplyInOrder(run));

        var orders = 0;
        foreach (var order in Permutations(run))
        {
            Assert.Equal(expected, Document(ApplyInOrder(order)));
            orders++;
        }

        Assert.Equal(24, orders);
        var document = JsonNode.Parse(expected)!;
        Assert.Equal("failed", (string?)document["status"]);
        Assert.Equal("ansible_started", (string?)document["current_step"]);
        Assert.Equal("configuring", (string?)document["error"]!["step_id"]);
        Assert.Equal(RunId, (string?)document["workflow_run_id"]);
        Assert.Equal("srv-1", (string?)document["server"]!["id"]);
    }

    [Theory]
    [MemberData(nameof(RunIdOnEveryCallback))]
    public void Apply_AnyOrderWithReplays_GivesTheDocumentOfTheFirstDeliveries(bool runIdEverywhere)
    {
        var random = new Random(20261202);
        foreach (var run in new[] { SuccessRun(runIdEverywhere), FailedRun(runIdEverywhere) })
        {
            var expected = WithoutUpdatedAt(Document(ApplyInOrder(run)));
            for (var trial = 0; trial < 300; trial++)
            {
                // Every callback once, some again (a sender's retry, a replay), later, each at its own time.
                var replays = run.Where(_ => random.Next(3) == 0).Select(d => (d.Callback, d.At.AddMinutes(10 + random.Next(50))));
                var deliveries = run.Concat(replays).OrderBy(_ => random.Next()).ToArray();
                Assert.Equal(expected, WithoutUpdatedAt(Document(ApplyInOrder(deliveries))));
            }
        }
    }

    [Fact]
    public void Apply_RunningBeforeItsSteps_EndsWithTheFurthestStepAsCurrent()
    {
        var job = ApplyInOrder([.. SuccessRun(false).Reverse()]);
        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Equal("ansible_complete", StepProjection.CurrentStep(job));
        Assert.Equal(Start.AddMinutes(4), job.AnsibleCompleteAt);
    }

    [Fact]
    public void Apply_ClaimAfterRunningFromTheSameRun_IsAcceptedAndFillsInTheRunId()
    {
        var running = Apply(Step("ansible_complete"), Running());
        Assert.Null(running.WorkflowRunId);

        var outcome = Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(running, Provisioning(RunId) with { WorkflowRunUrl = "https://github.com/o/r/actions/runs/1" }, Start.AddMinutes(3)));

        Assert.True(outcome.Changed);
        Assert.Equal(JobStatus.Running, outcome.Job.Status);
        Assert.Equal(RunId, outcome.Job.WorkflowRunId);
        Assert.Equal("https://github.com/o/r/actions/runs/1", outcome.Job.WorkflowRunUrl);
        Assert.Equal(Start.AddMinutes(3), outcome.Job.ProvisioningAt);
    }

    [Fact]
    public void Apply_ClaimAfterRunningFromAnotherRun_IsStillRefused()
    {
        var running = Apply(Provisioning(RunId), Running());
        Assert.IsType<CallbackOutcome.ClaimRefused>(JobTransitions.Apply(running, Provisioning("run-2"), Start.AddMinutes(3)));
    }

    [Fact]
    public void Apply_FailureNamingNoStepBeforeALateMilestone_PutsTheErrorOnTheFurthestStepReached()
    {
        var inOrder = Apply(Provisioning(), Step("vm_created"), Failed(null));
        var failureFirst = ApplyInOrder([(Failed(null), Start.AddMinutes(3)), (Provisioning(), Start.AddMinutes(1)), (Step("vm_created"), Start.AddMinutes(2))]);

        Assert.Equal("completed completed error pending pending", States(inOrder));
        Assert.Equal(Document(inOrder), Document(failureFirst));
    }

    [Fact]
    public void Apply_ADifferentFailureAfterTheFirst_KeepsTheFirst()
    {
        var failed = Apply(Provisioning(), Failed("provision", error: "first"));
        var outcome = Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(failed, Failed("configure", error: "second"), Start.AddMinutes(9)));
        Assert.False(outcome.Changed);
        Assert.Equal("first", outcome.Job.Failure!.Message);
    }

    /// <summary>The i-th callback received at Start + (i+1) minutes; with <paramref name="runIdEverywhere"/> each one names the run.</summary>
    private static (Callback Callback, DateTimeOffset At)[] Timed(bool runIdEverywhere, params Callback[] callbacks) =>
        [.. callbacks.Select((c, i) => (runIdEverywhere ? c with { WorkflowRunId = RunId } : c, Start.AddMinutes(i + 1)))];

    private static Job ApplyInOrder(IEnumerable<(Callback Callback, DateTimeOffset At)> deliveries)
    {
        var job = NewJob();
        foreach (var (callback, at) in deliveries)
        {
            job = Assert.IsType<CallbackOutcome.Accepted>(JobTransitions.Apply(job, callback, at)).Job;
        }

        return job;
    }

    private static string Document(Job job) => JsonSerializer.Serialize(StatusDocument.From(job), Provisioner.Functions.Http.Json.Options);

    private static string WithoutUpdatedAt(string document)
    {
        var node = JsonNode.Parse(document)!.AsObject();
        node.Remove("updated_at");
        return node.ToJsonString();
    }

    private static IEnumerable<T[]> Permutations<T>(T[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }

        for (var i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var tail in Permutations(rest))
            {
                yield return [items[i], .. tail];
            }
        }
    }
}
