using System.Globalization;

namespace Provisioner.Functions.Identity;

/// <summary>The workflow run a GitHub Actions ID token was issued to (<c>run_id</c>, <c>run_attempt</c>).</summary>
/// <param name="Workflow">Which of the two workflows the run is of (<c>workflow_ref</c>): the kind of job it may report for.</param>
internal sealed record ActionsRun(long RunId, int Attempt, Jobs.JobKind Workflow = Jobs.JobKind.Provision)
{
    /// <summary>
    /// Why this run may not report for <paramref name="job"/>: a run of the provisioning workflow
    /// for a deprovision job or the reverse, as the token proves which workflow runs; null when it may.
    /// </summary>
    public string? Refuses(Jobs.Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Kind == Workflow
            ? null
            : $"job {job.JobId} is a {Name(job.Kind)} job, and run {ClaimId} is a run of the {Name(Workflow)} workflow: it may not report for it";
    }

    private static string Name(Jobs.JobKind kind) => kind == Jobs.JobKind.Deprovision ? "deprovision" : "provision";

    /// <summary>The run id as the job records it: the run's id for the first attempt, <c>{id}.{attempt}</c> for a re-run (as the workflow's script names it).</summary>
    public string ClaimId => Attempt == 1 ? RunId.ToString(CultureInfo.InvariantCulture) : $"{RunId}.{Attempt}";

    /// <summary>
    /// Whether a callback whose body names <paramref name="bodyRunId"/> may be sent under this
    /// token: the same attempt, or an earlier attempt of the same run (a clean-up job re-run alone
    /// reports for the attempt that provisioned, as the workflow's <c>PROVISION_RUN_ID</c> does).
    /// </summary>
    public bool Covers(string bodyRunId)
    {
        ArgumentNullException.ThrowIfNull(bodyRunId);
        var parts = bodyRunId.Split('.');
        if (parts.Length > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id != RunId)
        {
            return false;
        }

        var attempt = 1;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out attempt) || attempt < 2))
        {
            return false;
        }

        return attempt <= Attempt;
    }
}
