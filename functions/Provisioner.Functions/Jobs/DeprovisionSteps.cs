namespace Provisioner.Functions.Jobs;

/// <summary>
/// The three steps of a deprovision job (Queued, Removing Server, Removed), computed from the
/// same facts a provision job keeps: the claim (<c>status: provisioning</c>) opens Removing
/// Server, <c>status: running</c> completes every step. A failure or a cancel shows on the
/// step that was active; a failure that names a provision step (it cannot happen with
/// <c>deprovision-agent.yml</c>, whose failures name <c>remove</c>) still lands on Removing Server.
/// </summary>
internal static class DeprovisionSteps
{
    public const int QueuedStep = 0;
    public const int RemovingStep = 1;
    public const int RemovedStep = 2;

    /// <summary>The steps, by index: (id, label).</summary>
    public static IReadOnlyList<(string Id, string Label)> Steps { get; } =
    [
        ("queued", "Queued"),
        ("removing", "Removing Server"),
        ("removed", "Removed"),
    ];

    /// <summary>The id of step <paramref name="index"/> of <paramref name="job"/>'s kind (an index kept as a provision step index for a deprovision job is mapped to its own steps).</summary>
    public static string StepIdOf(Job job, int index)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Kind == JobKind.Deprovision ? Steps[Map(index)].Id : StepNames.Steps[index].Id;
    }

    public static IReadOnlyList<StepView> Project(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var claimedAt = Earliest(Earliest(job.ProvisioningAt, job.RunningAt), job.Failure is { StepIndex: > 0 } f ? f.At : null);
        DateTimeOffset?[] started = [job.CreatedAt, claimedAt, job.RunningAt];
        DateTimeOffset?[] ended = [claimedAt, job.RunningAt, job.RunningAt];
        var result = new StepView[Steps.Count];
        for (var i = 0; i < Steps.Count; i++)
        {
            var state = StateOf(job, i);
            result[i] = new StepView(
                Steps[i].Id,
                Steps[i].Label,
                state,
                state == StepProjection.Pending ? null : started[i] ?? (state == StepProjection.Cancelled ? job.CancelledAt : job.Failure?.At),
                state switch
                {
                    StepProjection.Completed => ended[i],
                    StepProjection.Error => job.Failure!.At,
                    StepProjection.Cancelled => job.CancelledAt,
                    _ => null,
                });
        }

        return result;
    }

    private static string StateOf(Job job, int step)
    {
        if (job.CancelledAt is not null)
        {
            var at = Active(job);
            return step < at ? StepProjection.Completed : step == at ? StepProjection.Cancelled : StepProjection.Pending;
        }

        if (job.Failure is { } failure)
        {
            var at = Map(failure.StepIndex);
            return step < at ? StepProjection.Completed : step == at ? StepProjection.Error : StepProjection.Pending;
        }

        if (job.RunningAt is not null)
        {
            return StepProjection.Completed;
        }

        var active = Active(job);
        return step < active ? StepProjection.Completed : step == active ? StepProjection.Active : StepProjection.Pending;
    }

    private static int Active(Job job) => job.Furthest >= Milestone.Provisioning ? RemovingStep : QueuedStep;

    private static int Map(int provisionIndex) => Math.Min(provisionIndex, RemovingStep);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
