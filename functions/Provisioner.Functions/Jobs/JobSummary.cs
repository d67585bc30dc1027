namespace Provisioner.Functions.Jobs;

/// <summary>One job in a list (docs/api.md, "Listing jobs"), serialised in snake_case.</summary>
/// <param name="FailedStep">The id of the step that shows the failure (<c>creating</c>, …); null unless failed.</param>
/// <param name="DurationSeconds">From creation to the end (running or failed); null while in flight.</param>
public sealed record JobSummary(
    Guid JobId,
    string Kind,
    string AgentId,
    string Region,
    string Status,
    int Attempt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? FailedStep,
    double? DurationSeconds)
{
    public const string ProvisionKind = "provision";
    public const string DeprovisionKind = "deprovision";

    internal static string KindOf(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Kind == JobKind.Deprovision ? DeprovisionKind : ProvisionKind;
    }

    internal static JobSummary From(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var endedAt = job.Failure?.At ?? job.RunningAt;
        return new JobSummary(
            job.JobId,
            KindOf(job),
            job.AgentId,
            job.Region,
            job.Status.ToString().ToLowerInvariant(),
            job.Attempt,
            job.CreatedAt,
            job.UpdatedAt,
            job.Failure is { } failure ? DeprovisionSteps.StepIdOf(job, failure.StepIndex) : null,
            endedAt is { } end ? Math.Round(Math.Max(0, (end - job.CreatedAt).TotalSeconds), 3) : null);
    }
}
