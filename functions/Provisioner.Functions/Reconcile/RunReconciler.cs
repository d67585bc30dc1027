using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Reconcile;

/// <summary>
/// Asks GitHub about the run of a job that has gone silent, and acts on the answer
/// (docs/reconcile.md): a run that ended without the job hearing of it fails the job now with
/// GitHub's conclusion, the failing step and its log; a run waiting for a runner is shown as
/// such; a run in progress is a sign of life; no run at all fails the job naming the dispatch
/// settings. Off in simulator mode (no GitHub token: <see cref="IWorkflowRuns"/> is not registered).
/// </summary>
internal sealed partial class RunReconciler(
    JobStore jobs,
    ReconcileStateStore states,
    IOptions<GitHubOptions> dispatch,
    TimeProvider time,
    ILogger<RunReconciler> logger,
    IWorkflowRuns? runs = null)
{
    public const string Runner = "runner";

    /// <summary>How far before the dispatch a run may have been created and still be the dispatch's (clocks differ).</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;

    public bool Enabled => runs is not null;

    /// <summary>
    /// Whether to ask now: a dispatched job in flight, silent for <c>RECONCILE_AFTER_MINUTES</c>
    /// (<paramref name="after"/>) or about to be failed by a deadline; not while GitHub's rate limit asked us to wait.
    /// </summary>
    public bool IsDue(Job job, DateTimeOffset now, DeadlineLimits limits, TimeSpan after)
    {
        ArgumentNullException.ThrowIfNull(job);
        return runs is not null
            && now >= _pausedUntil
            && !job.IsTerminal
            && job.DispatchedAt is not null
            && (now - job.UpdatedAt >= after || Deadlines.Missed(job, now, limits) is not null);
    }

    public async Task<ReconcileResult> ReconcileAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (runs is null || job.DispatchedAt is not { } dispatchedAt)
        {
            return new ReconcileResult(job, ReconcileVerdict.Skipped, NotModified: false);
        }

        var state = await states.ReadAsync(job.JobId, cancellationToken);
        var runId = job.WorkflowRunId ?? state.RunId;
        RunLookup lookup;
        try
        {
            lookup = runId is not null
                ? await runs.GetAsync(runId, state, cancellationToken)
                : await runs.FindAsync(job.JobId, dispatchedAt - ClockSkew, dispatch.Value.WorkflowOf(job.Kind), cancellationToken);
        }
        catch (GitHubRateLimitedException e)
        {
            // Not an answer about the run: stop asking until the window resets; the deadlines still hold.
            _pausedUntil = time.GetUtcNow() + e.RetryAfter;
            LogPaused(logger, job.JobId, _pausedUntil, e);
            return new ReconcileResult(job, ReconcileVerdict.Skipped, NotModified: false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnanswered(logger, job.JobId, e);
            return new ReconcileResult(job, ReconcileVerdict.Skipped, NotModified: false);
        }

        var now = time.GetUtcNow();
        switch (lookup)
        {
            case RunLookup.Missing missing:
                await states.WriteAsync(job.JobId, state with { CheckedAt = now }, cancellationToken);
                return await FailAsync(job, FailureReason.GitHubRunMissing, MissingMessage(missing.What), null, null, now, cancellationToken);

            case RunLookup.Found found:
                var knownId = runId ?? found.Run.Id.ToString(CultureInfo.InvariantCulture);
                await states.WriteAsync(job.JobId, new ReconcileState(knownId, found.ETag, found.Run, now), cancellationToken);
                var result = await ActAsync(job, knownId, found.Run, now, cancellationToken);
                return result with { NotModified = found.NotModified };

            default:
                throw new InvalidOperationException("unknown lookup");
        }
    }

    private async Task<ReconcileResult> ActAsync(Job job, string runId, WorkflowRun run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (run.Status)
        {
            case "completed":
                var reason = run.Conclusion switch
                {
                    "cancelled" => FailureReason.GitHubCancelled,
                    "timed_out" => FailureReason.GitHubTimedOut,
                    _ => FailureReason.GitHubFailed,
                };
                FailedWorkflowStep? step = null;
                if (run.Conclusion != "success")
                {
                    try
                    {
                        step = await runs!.FailedStepAsync(runId, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        // The run's conclusion alone is enough to fail the job; the step is a detail.
                        LogUnanswered(logger, job.JobId, e);
                    }
                }

                var mapped = WorkflowSteps.Of(step?.StepName);
                return await FailAsync(job, reason, CompletedMessage(run, step), mapped?.Phase, mapped?.StepIndex, now, cancellationToken, step?.LogUrl, run.HtmlUrl);

            case "in_progress":
                return await ChangeAsync(job, j => j with { RunAliveAt = now, WaitingFor = null, WorkflowRunUrl = j.WorkflowRunUrl ?? run.HtmlUrl }, ReconcileVerdict.InProgress, cancellationToken);

            case "queued" or "waiting" or "pending" or "requested":
                return await ChangeAsync(job, j => j.WaitingFor == Runner && j.WorkflowRunUrl is not null ? null : j with { WaitingFor = Runner, WorkflowRunUrl = j.WorkflowRunUrl ?? run.HtmlUrl }, ReconcileVerdict.WaitingForRunner, cancellationToken);

            default:
                LogUnknownStatus(logger, job.JobId, run.Status);
                return new ReconcileResult(job, ReconcileVerdict.Unchanged, NotModified: false);
        }
    }

    private async Task<ReconcileResult> ChangeAsync(Job job, Func<Job, Job?> change, ReconcileVerdict verdict, CancellationToken cancellationToken)
    {
        var stored = await jobs.UpdateAsync(job.JobId, j => j.IsTerminal ? null : change(j), cancellationToken) ?? job;
        return new ReconcileResult(stored, stored.IsTerminal ? ReconcileVerdict.Unchanged : verdict, NotModified: false);
    }

    private async Task<ReconcileResult> FailAsync(Job job, FailureReason reason, string message, string? phase, int? stepIndex, DateTimeOffset now, CancellationToken cancellationToken, string? logUrl = null, string? runUrl = null)
    {
        var stored = await jobs.UpdateAsync(
            job.JobId,
            j => j.IsTerminal ? null : JobTransitions.Fail(j with { WaitingFor = null, WorkflowRunUrl = j.WorkflowRunUrl ?? runUrl }, reason, message, phase, now, stepIndex, logUrl),
            cancellationToken) ?? job;
        var failedNow = stored.Failure is { At: var at, Reason: var r } && at == now && r == reason;
        if (failedNow)
        {
            LogFailed(logger, job.JobId, reason.Code(), stored.Failure!.StepIndex);
        }

        return new ReconcileResult(stored, failedNow ? ReconcileVerdict.Failed : ReconcileVerdict.Unchanged, NotModified: false);
    }

    private static string CompletedMessage(WorkflowRun run, FailedWorkflowStep? step)
    {
        var what = run.Conclusion switch
        {
            "success" => "GitHub says the workflow run succeeded (conclusion: success), yet it never reported the agent running: its last callbacks did not arrive. The server may exist: check the run's log before creating the job again.",
            "cancelled" => "GitHub says the workflow run was cancelled (conclusion: cancelled) and it sent no failure of its own.",
            "timed_out" => "GitHub says the workflow run hit its time limit (conclusion: timed_out) and it sent no failure of its own.",
            { } other => $"GitHub says the workflow run failed (conclusion: {other}) and it sent no failure of its own.",
            null => "GitHub says the workflow run ended without a conclusion and it sent no failure of its own.",
        };
        var where = step switch
        {
            { StepName: { } name } => $" It stopped in step \"{name}\" of job \"{step.JobName}\".",
            { } => $" Job \"{step.JobName}\" did not finish.",
            null => "",
        };
        var log = step?.LogUrl ?? run.HtmlUrl;
        return $"{what}{where}{(log is null ? "" : $" Log: {log}")} Create the job again to retry.";
    }

    private string MissingMessage(string what)
    {
        var o = dispatch.Value;
        return $"GitHub has no workflow run for this job: {what}. The dispatch was accepted but started no run that GitHub knows of. Check {GitHubOptions.OwnerSetting} ({o.Owner}), {GitHubOptions.RepoSetting} ({o.Repo}), {GitHubOptions.WorkflowSetting} ({o.Workflow}) and {GitHubOptions.RefSetting} ({o.Ref}), that the workflow's run-name carries the job id, and that the run was not deleted; then create the job again.";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: GitHub says its run ended or is missing ({Reason}); failed on step {StepIndex}")]
    private static partial void LogFailed(ILogger logger, Guid jobId, string reason, int stepIndex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: GitHub's rate limit; not asking about runs until {Until}")]
    private static partial void LogPaused(ILogger logger, Guid jobId, DateTimeOffset until, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: could not ask GitHub about its run; the deadlines decide")]
    private static partial void LogUnanswered(ILogger logger, Guid jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: GitHub reports an unknown run status {Status}; nothing changed")]
    private static partial void LogUnknownStatus(ILogger logger, Guid jobId, string status);
}
