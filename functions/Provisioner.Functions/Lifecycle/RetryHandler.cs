using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifecycle;

/// <summary>
/// <c>POST /api/jobs/{job_id}/retry</c>: the next attempt for a failed or cancelled job's agent
/// and region. Exactly one attempt follows a job, however many retries race: the link
/// (<see cref="Job.NextJobId"/>) is written on the old job row under its ETag <em>first</em>,
/// so one id wins. The winner makes that job (watched, stored, holding the agent, queued: each
/// step repeatable with the same id, as a create with an Idempotency-Key is). A loser that
/// finds the job made answers <c>409</c> naming it; one that comes before the job row exists
/// makes the same job, so a crash between the link and the job is repaired by the next retry.
/// </summary>
internal sealed partial class RetryHandler(JobStore jobs, AgentStore agents, JobIntake intake, TimeProvider time, ILogger<RetryHandler> logger, Microsoft.Extensions.Options.IOptions<KeepServerOptions> keep)
{
    public async Task<IResult> HandleAsync(HttpRequest request, string jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Guid.TryParse(jobId, out var id))
        {
            return Problems.NotFound($"There is no job \"{(jobId.Length > 80 ? jobId[..80] : jobId)}\": job ids are the GUIDs that POST /api/jobs returns.");
        }

        var read = await BoundedBody.ReadAsync(request, 1024, "a retry is {\"from\": \"start\"}", cancellationToken);
        if (read.Problem is { } refused)
        {
            return refused;
        }

        if (!RetryRequest.TryParse(read.Body, out var retry, out var error))
        {
            return Problems.BadRequest(error);
        }

        var old = await jobs.FindAsync(id, cancellationToken);
        if (old is null)
        {
            return Problems.NotFound($"There is no job {id}.");
        }

        if (old.Status is not (JobStatus.Failed or JobStatus.Cancelled))
        {
            return Problems.Conflict($"Job {id} is {old.Status.ToString().ToLowerInvariant()}: only a failed or cancelled job can be retried.", new Dictionary<string, object?> { ["job_id"] = id });
        }

        if (retry.FromFailedStep && old.Kind == JobKind.Deprovision)
        {
            return Problems.Conflict($"Job {id} is a deprovision job: it has one step, so there is no later step to resume from. Retry it from the start with {{\"from\": \"start\"}}, which removes the same server again.", new Dictionary<string, object?> { ["job_id"] = id });
        }

        if (old.Kind == JobKind.Deprovision && old.RemovesServerOfJobId is { } target
            && await jobs.FindAsync(target, cancellationToken) is { ServerRemovedAt: not null, ServerRemovedByJobId: var by })
        {
            return Problems.Conflict($"Job {id} need not be retried: the server it was to remove was removed by job {by}.", new Dictionary<string, object?> { ["job_id"] = by });
        }

        if (retry.FromFailedStep && KeptServer.Refusal(old, time.GetUtcNow(), new KeepPolicy(keep.Value.KeepFailedServerMinutes)) is { } notResumable)
        {
            // docs/lifecycle.md, "Re-run from the failed step": the failed step, the kept server and its window.
            return Problems.Conflict(notResumable, new Dictionary<string, object?> { ["job_id"] = id });
        }

        // 1. The link: of racing retries, the first to write it names the next attempt.
        var candidate = Guid.NewGuid();
        var linked = await jobs.UpdateAsync(id, j => j.NextJobId is null ? j with { NextJobId = candidate } : null, cancellationToken);
        var nextId = linked!.NextJobId!.Value;
        var existing = await jobs.FindAsync(nextId, cancellationToken);
        if (existing is not null && nextId != candidate)
        {
            return Problems.Conflict($"Job {id} was retried already as job {nextId} (attempt {existing.Attempt}); follow or retry that one.", new Dictionary<string, object?> { ["job_id"] = nextId });
        }

        // 2. The next attempt, as a create makes a job: watched, stored, holding the agent, queued.
        var job = existing ?? (old.Kind == JobKind.Deprovision
            ? Deprovision.NextAttempt(old, nextId, time.GetUtcNow())
            : Job.Create(nextId, old.AgentId, old.Region, time.GetUtcNow()) with { Attempt = old.Attempt + 1, PreviousJobId = id });
        if (existing is null && retry.FromFailedStep)
        {
            // The re-run reuses the kept server from the step that failed (its labels move to this job when the run claims it).
            job = job with { ResumeFrom = KeptServer.ResumeFromOf(old.Failure!.StepIndex), ResumeServerId = old.Server!.Id };
        }

        await intake.WatchAsync(nextId, job.CreatedAt, cancellationToken);
        if (existing is null && !await jobs.TryAddAsync(job, cancellationToken))
        {
            job = await jobs.FindAsync(nextId, cancellationToken) ?? job;
        }

        var claim = job.Kind == JobKind.Deprovision
            ? await agents.ClaimForTearDownAsync(old.AgentId, nextId, cancellationToken)
            : await agents.ClaimAsync(old.AgentId, nextId, cancellationToken);
        if (claim is AgentClaim.Busy busy)
        {
            await jobs.DeleteUnclaimedAsync(nextId, cancellationToken);
            await jobs.UpdateAsync(id, j => j.NextJobId == nextId ? j with { NextJobId = null } : null, cancellationToken);
            return Problems.Conflict(
                $"Agent {old.AgentId} already has job {busy.ActiveJobId} queued or provisioning; follow it at /api/jobs/{busy.ActiveJobId}, or retry once it has ended.",
                new Dictionary<string, object?> { ["job_id"] = busy.ActiveJobId });
        }

        if (job is { Status: JobStatus.Queued, DispatchedAt: null })
        {
            try
            {
                await intake.EnqueueAsync(nextId, cancellationToken);
            }
            catch (Exception e) when (StorageFailures.IsUnavailable(e, cancellationToken))
            {
                // As a create does: a job holding its agent but not queued would block it.
                await jobs.UpdateAsync(nextId, j => JobTransitions.Fail(j, FailureReason.DispatchFailed, "The retry could not be queued for dispatch because storage was unavailable. Retry again.", null, time.GetUtcNow()), CancellationToken.None);
                throw;
            }
        }

        LogRetried(logger, id, nextId, job.Attempt);
        return new StatusDocumentResult(job, StatusCodes.Status202Accepted, $"/api/jobs/{nextId}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} retried as job {NextJobId} (attempt {Attempt})")]
    private static partial void LogRetried(ILogger logger, Guid jobId, Guid nextJobId, int attempt);
}
