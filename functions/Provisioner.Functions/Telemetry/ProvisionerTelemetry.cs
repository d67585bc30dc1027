using System.Diagnostics;
using System.Diagnostics.Metrics;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Telemetry;

/// <summary>
/// The app's spans and metrics (docs/telemetry.md). One <see cref="ActivitySource"/> follows a job
/// from creation through the queue, dispatch and the workflow's callbacks: the W3C
/// <c>traceparent</c> travels in the dispatch message, as a workflow input, and back as the
/// callbacks' <c>traceparent</c> header, so one job is one trace. Nothing is recorded unless
/// an exporter listens (<see cref="TelemetryServiceCollectionExtensions"/>).
/// </summary>
internal static class ProvisionerTelemetry
{
    public const string Name = "Provisioner";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> JobsEnded = Meter.CreateCounter<long>("provisioner.jobs.ended", "{job}", "Jobs that ended, by outcome (running, failed), failed step and reason.");
    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("provisioner.step.duration", "s", "How long each step took: the steps a job completed (outcome completed) and the one it failed on (outcome failed), by region.");
    private static readonly Counter<long> Callbacks = Meter.CreateCounter<long>("provisioner.callbacks", "{callback}", "Callbacks received, by verdict.");
    private static readonly Counter<double> ServerCosts = Meter.CreateCounter<double>("provisioner.cost", "{currency}", "The final gross cost of each removed server (docs/cost.md), by currency, server type and location.");
    private static readonly Counter<long> DispatchAttempts = Meter.CreateCounter<long>("provisioner.dispatch.attempts", "{attempt}", "Dispatch attempts, by outcome.");

    /// <summary>A span continuing the trace of <paramref name="traceparent"/> (a W3C header value), or a new trace when it is absent or malformed.</summary>
    public static Activity? Start(string name, ActivityKind kind, string? traceparent, Guid? jobId)
    {
        var parent = traceparent is not null && ActivityContext.TryParse(traceparent, null, isRemote: true, out var context) ? context : default;
        var activity = Source.StartActivity(name, kind, parent);
        if (jobId is { } id)
        {
            activity?.SetTag("provisioner.job_id", id.ToString("D"));
        }

        return activity;
    }

    /// <summary>The current span as a <c>traceparent</c> value to pass on; null when nothing is traced.</summary>
    public static string? CurrentTraceparent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    public static void CallbackVerdict(string verdict) =>
        Callbacks.Add(1, new KeyValuePair<string, object?>("verdict", verdict));

    /// <summary>A server's final cost, once it is removed (Cost/CostFollowUp).</summary>
    public static void ServerCost(decimal gross, string currency, string? serverType, string? location) =>
        ServerCosts.Add((double)gross, new("currency", currency), new("server_type", serverType), new("location", location));

    public static void DispatchAttempt(string outcome) =>
        DispatchAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>What a committed change of a job tells: the steps it completed and whether it ended.</summary>
    public static void JobChanged(Job before, Job after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        Step(after.Region, StepNames.Steps[StepNames.CreatingStep].Id, before.VmCreatedAt, after.VmCreatedAt, after.ProvisioningAt ?? after.DispatchedAt);
        Step(after.Region, StepNames.Steps[StepNames.InstallingStep].Id, before.AnsibleStartedAt, after.AnsibleStartedAt, after.VmCreatedAt);
        Step(after.Region, StepNames.Steps[StepNames.ConfiguringStep].Id, before.AnsibleCompleteAt, after.AnsibleCompleteAt, after.AnsibleStartedAt);
        if (before.RunningAt is null && after.RunningAt is not null)
        {
            JobsEnded.Add(1, new("outcome", "running"), new("failed_step", null), new("reason", null), new("kind", JobSummary.KindOf(after)));
        }

        if (before.Failure is null && after.Failure is { } failure)
        {
            JobsEnded.Add(1, new("outcome", "failed"), new("failed_step", DeprovisionSteps.StepIdOf(after, failure.StepIndex)), new("reason", failure.Reason?.Code()), new("kind", JobSummary.KindOf(after)));
            var failedStep = StepProjection.Project(after)[failure.StepIndex];
            if (failedStep.StartedAt is { } began && failure.At >= began)
            {
                StepDuration.Record((failure.At - began).TotalSeconds, new("step", failedStep.Id), new("region", after.Region), new("outcome", "failed"));
            }
        }
    }

    private static void Step(string region, string step, DateTimeOffset? before, DateTimeOffset? after, DateTimeOffset? started)
    {
        if (before is null && after is { } ended && started is { } began && ended >= began)
        {
            StepDuration.Record((ended - began).TotalSeconds, new("step", step), new("region", region), new("outcome", "completed"));
        }
    }
}
