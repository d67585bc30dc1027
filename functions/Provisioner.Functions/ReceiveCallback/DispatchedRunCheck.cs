using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Reconcile;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>
/// Whether a run proven by its token is the run dispatched for the job it reports for
/// (docs/identity.md, "A run moves only its own job"). When the job records its run (the
/// dispatch's <c>return_run_details</c>, or an earlier proven claim), the job itself refuses any
/// other run (<see cref="Jobs.JobTransitions"/>, a 409). When it records none, GitHub is asked
/// which run carries the job's id in its display title, as the reconciler finds runs
/// (<see cref="IWorkflowRuns.FindAsync(Guid, DateTimeOffset, string, CancellationToken)"/>), and
/// only that run may claim. A job that was never dispatched, or a deployment without GitHub
/// (no <c>GITHUB_TOKEN</c>), accepts no claim proven by a token. Signed callbacks do not come here.
/// </summary>
internal sealed partial class DispatchedRunCheck(
    JobStore store,
    IOptions<GitHubOptions> gitHub,
    ILogger<DispatchedRunCheck> logger,
    IWorkflowRuns? runs = null)
{
    /// <summary>How long before the job's creation a run may have been created by GitHub's clock.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The refusal when <paramref name="run"/> may not report for job <paramref name="jobId"/>; null when it may (or when the job or its run decides in the transaction).</summary>
    public async Task<IResult?> RefusesAsync(ActionsRun run, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var job = await store.FindAsync(jobId, cancellationToken);

        // Unknown (404), already bound to a run, or of the other workflow (409): the transaction answers.
        if (job is null || job.WorkflowRunId is not null || job.Kind != run.Workflow)
        {
            return null;
        }

        if (job.DispatchedAt is null)
        {
            LogRefused(logger, jobId, run.ClaimId, "never dispatched");
            return Problems.Conflict($"job {jobId} was never dispatched, so no workflow run's token may claim it.", Extensions(jobId));
        }

        if (runs is null)
        {
            LogRefused(logger, jobId, run.ClaimId, "no GitHub to ask");
            return Problems.Conflict($"job {jobId} records no run, and without {GitHubOptions.TokenSetting} GitHub cannot be asked whether run {run.ClaimId} is the one dispatched for it.", Extensions(jobId));
        }

        var workflow = gitHub.Value.WorkflowOf(job.Kind);
        RunLookup lookup;
        try
        {
            lookup = await runs.FindAsync(jobId, job.CreatedAt - ClockSkew, workflow, cancellationToken);
        }
        catch (Exception ex) when (ex is GitHubRateLimitedException or GitHubReadException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogLookupFailed(logger, jobId, ex);
            return new ProblemResult(503, "GitHub cannot be asked right now", $"job {jobId} records no run yet, and GitHub cannot be asked right now whether run {run.ClaimId} is the one dispatched for it; send the callback again after the time in Retry-After.", retryAfterSeconds: Problems.StorageRetryAfterSeconds);
        }

        if (lookup is RunLookup.Found found && found.Run.Id == run.RunId)
        {
            return null;
        }

        var dispatched = lookup is RunLookup.Found other ? $"run {other.Run.Id}" : "no run";
        LogRefused(logger, jobId, run.ClaimId, $"GitHub shows {dispatched} of {workflow} for the job");
        return Problems.Conflict($"run {run.ClaimId} is not the run dispatched for job {jobId}: GitHub shows {dispatched} of {workflow} whose display title carries the job id.", Extensions(jobId));
    }

    private static Dictionary<string, object?> Extensions(Guid jobId) => new() { ["job_id"] = jobId };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for job {JobId} refused: run {RunId} is not proven to be the job's run ({Why})")]
    private static partial void LogRefused(ILogger logger, Guid jobId, string runId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for job {JobId}: GitHub could not be asked which run was dispatched; answered 503")]
    private static partial void LogLookupFailed(ILogger logger, Guid jobId, Exception exception);
}
