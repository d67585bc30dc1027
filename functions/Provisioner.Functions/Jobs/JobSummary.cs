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
    double? DurationSeconds,
    JobSummary.CostView? Cost = null)
{
    /// <summary>What the job's server has cost (docs/cost.md): decimal strings, gross, in <paramref name="Currency"/>.</summary>
    /// <param name="Currency">The price's currency (<c>EUR</c>).</param>
    /// <param name="HourlyGross">The hourly price, VAT included.</param>
    /// <param name="Since">When the server was created (the run's <c>vm_created</c>): billing starts then.</param>
    /// <param name="SoFarGross">Started hours times the hourly price, each calendar month capped at the monthly price, until now or the removal.</param>
    /// <param name="FinalGross">The same once the server is removed; null while it exists.</param>
    public sealed record CostView(string Currency, string HourlyGross, DateTimeOffset Since, string SoFarGross, string? FinalGross);

    public const string ProvisionKind = "provision";
    public const string DeprovisionKind = "deprovision";

    internal static string KindOf(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Kind == JobKind.Deprovision ? DeprovisionKind : ProvisionKind;
    }

    /// <param name="job">The job.</param>
    /// <param name="now">When the cost so far is counted to; null: the job's last change.</param>
    internal static JobSummary From(Job job, DateTimeOffset? now = null)
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
            endedAt is { } end ? Math.Round(Math.Max(0, (end - job.CreatedAt).TotalSeconds), 3) : null,
            Costs.Of(job, now ?? job.UpdatedAt));
    }
}
