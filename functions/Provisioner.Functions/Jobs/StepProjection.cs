namespace Provisioner.Functions.Jobs;

/// <summary>
/// The five steps a person sees, computed from a job's facts (docs/api.md, "The five steps";
/// docs/callbacks.md, "How callbacks merge"). Pure: same job, same steps.
/// </summary>
internal static class StepProjection
{
    public const string Pending = "pending";
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Error = "error";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<StepView> Project(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Kind == JobKind.Deprovision)
        {
            return DeprovisionSteps.Project(job);
        }

        var steps = StepNames.Steps;
        var bounds = Boundaries(job);
        var result = new StepView[steps.Count];

        for (var i = 0; i < steps.Count; i++)
        {
            var state = StateOf(job, i);
            DateTimeOffset? started = state == Pending ? null : bounds[i];
            DateTimeOffset? completed = state switch
            {
                Completed => bounds[i + 1],
                Error => job.Failure!.At,
                Cancelled => job.CancelledAt,
                _ => null,
            };
            result[i] = new StepView(steps[i].Id, steps[i].Label, state, started, completed);
        }

        return result;
    }

    /// <summary>The name of the furthest step callback received, or null before <c>vm_created</c>.</summary>
    public static string? CurrentStep(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Kind == JobKind.Deprovision)
        {
            return null; // a deprovision workflow sends no step callbacks
        }

        for (var m = Milestone.AnsibleComplete; m >= Milestone.VmCreated; m--)
        {
            if (job.TimeOf(m) is not null)
            {
                return StepNames.OfMilestone(m);
            }
        }

        return null;
    }

    private static string StateOf(Job job, int step)
    {
        if (job.CancelledAt is not null)
        {
            // The step that was active when the job ended shows cancelled.
            var at = JobTransitions.ActiveStep(job);
            return step < at ? Completed : step == at ? Cancelled : Pending;
        }

        if (job.Failure is { } failure)
        {
            return step < failure.StepIndex ? Completed : step == failure.StepIndex ? Error : Pending;
        }

        if (job.RunningAt is not null)
        {
            return Completed;
        }

        var active = JobTransitions.ActiveStep(job);
        return step < active ? Completed : step == active ? Active : Pending;
    }

    /// <summary>
    /// <c>bounds[k]</c> is when step <c>k</c> started (and step <c>k-1</c> ended): the earliest
    /// time recorded for milestone <c>k</c> or any later one. A later milestone proves the
    /// earlier ones were passed no later than it, so callbacks that arrive out of order, or not
    /// at all, still give times that never decrease along the steps. A failure bounds the
    /// steps up to the one it lands on.
    /// </summary>
    private static DateTimeOffset?[] Boundaries(Job job)
    {
        var count = (int)Milestone.Running + 1;
        var bounds = new DateTimeOffset?[count];
        DateTimeOffset? earliest = null;
        for (var k = count - 1; k >= 0; k--)
        {
            earliest = Min(earliest, job.TimeOf((Milestone)k));
            if (job.Failure is { } failure && k <= failure.StepIndex)
            {
                earliest = Min(earliest, failure.At);
            }

            bounds[k] = earliest;
        }

        return bounds;
    }

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
