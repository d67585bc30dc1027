using Provisioner.Functions.Jobs;

namespace Provisioner.Tests.Jobs;

/// <summary>Builds jobs by applying callbacks one minute apart, as the webhook would.</summary>
internal static class JobScenario
{
    public static readonly DateTimeOffset Start = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
    public static readonly Guid JobId = Guid.Parse("11111111-2222-3333-4444-555555555555");

    public static Job NewJob() => Job.Create(JobId, "agent-1", "eu-central", Start);

    public static Callback Provisioning(string? runId = "run-1") => new() { JobId = JobId, Kind = CallbackKind.Progress, Milestone = Milestone.Provisioning, WorkflowRunId = runId };

    public static Callback Step(string step) => new() { JobId = JobId, Kind = CallbackKind.Progress, Milestone = StepNames.MilestoneOfStep(step) };

    public static Callback Running() => new() { JobId = JobId, Kind = CallbackKind.Running, Server = new ServerInfo("srv-1", "203.0.113.7", "100.64.0.7") };

    public static Callback Failed(string? failedStep, string? step = null, string error = "boom") =>
        new() { JobId = JobId, Kind = CallbackKind.Failed, FailedStep = failedStep, Step = step, Error = error };

    public static Callback Heartbeat() => new() { JobId = JobId, Kind = CallbackKind.Heartbeat };

    /// <summary>Applies the callbacks in order, the i-th at Start + (i+1) minutes.</summary>
    public static Job Apply(params Callback[] callbacks) => Apply(NewJob(), callbacks);

    public static Job Apply(Job job, params Callback[] callbacks)
    {
        for (var i = 0; i < callbacks.Length; i++)
        {
            var outcome = JobTransitions.Apply(job, callbacks[i], Start.AddMinutes(i + 1));
            job = Assert.IsType<CallbackOutcome.Accepted>(outcome).Job;
        }

        return job;
    }

    /// <summary>The five states as one string, e.g. "completed active pending pending pending".</summary>
    public static string States(Job job) => string.Join(' ', StepProjection.Project(job).Select(s => s.State));
}
