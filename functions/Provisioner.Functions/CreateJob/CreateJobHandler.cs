using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.CreateJob;

/// <summary>
/// Creates a job. Each step can be repeated with the same job id and gives the same result,
/// which is what makes a retried request with the same Idempotency-Key safe: reserve the key
/// (→ job id), add the job row, claim the agent for it (at most one queued or provisioning job
/// per agent, decided by the agent row's ETag), enqueue it.
/// </summary>
internal sealed partial class CreateJobHandler(JobStore jobs, AgentStore agents, IdempotencyKeys idempotencyKeys, JobIntake intake, NewJobs newJobs, ILogger<CreateJobHandler> logger)
{
    public const int MaxBodyBytes = 16 * 1024;
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private const int MaxIdempotencyKeyLength = 255;

    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
        {
            return Problems.UnsupportedMediaType($"Content-Type \"{contentType}\" is not JSON: send application/json.");
        }

        var read = await BoundedBody.ReadAsync(request, MaxBodyBytes, "a job request is {\"agent_id\", \"region\"}", cancellationToken);
        if (read.Problem is { } refused)
        {
            return refused;
        }

        var body = read.Body;

        if (!CreateJobRequest.TryParse(body, out var create, out var error))
        {
            return Problems.BadRequest(error);
        }

        var keys = request.Headers[IdempotencyKeyHeader];
        if (keys.Count > 1 || (keys.Count == 1 && !IsValidIdempotencyKey(keys[0])))
        {
            return Problems.BadRequest($"{IdempotencyKeyHeader} must be one value of 1 to {MaxIdempotencyKeyLength} printable ASCII characters, for example a UUID.");
        }

        var jobId = Guid.NewGuid();
        var fresh = true;
        var creator = Caller.Of(request.HttpContext.User);
        var keyHash = keys.Count == 1 ? HashKey(keys[0]!, creator) : null;
        if (keyHash is not null)
        {
            var reservation = await idempotencyKeys.ReserveAsync(keyHash, new IdempotencyReservation(jobId, create.AgentId, create.Region), cancellationToken);
            if (reservation.AgentId != create.AgentId || reservation.Region != create.Region)
            {
                return Problems.Unprocessable($"This {IdempotencyKeyHeader} was used for agent {reservation.AgentId} in {reservation.Region}; use a new key for a different request.");
            }

            fresh = reservation.JobId == jobId;
            jobId = reservation.JobId;
        }

        var job = newJobs.For(jobId, create, creator);

        // The quotas (docs/quotas.md), before anything of the job is stored; the same key again was admitted the first time.
        if (fresh && await newJobs.Admission.AdmitAsync(job, cancellationToken) is { } overQuota)
        {
            if (keyHash is not null)
            {
                await idempotencyKeys.ForgetAsync(keyHash, jobId, cancellationToken);
            }

            return overQuota;
        }

        await intake.WatchAsync(jobId, job.CreatedAt, cancellationToken);
        var added = await jobs.TryAddAsync(job, cancellationToken);
        if (!added)
        {
            // The same key again: continue with the job the first request made.
            job = await jobs.FindAsync(jobId, cancellationToken) ?? job;
            if (job.IsTerminal)
            {
                return Accepted(job);
            }
        }

        if (await agents.ClaimAsync(create.AgentId, jobId, cancellationToken) is AgentClaim.Busy busy)
        {
            await jobs.DeleteUnclaimedAsync(jobId, cancellationToken);
            if (added)
            {
                await newJobs.Admission.ReleaseAsync(job, cancellationToken);
            }

            LogAgentBusy(logger, create.AgentId, busy.ActiveJobId);
            return Problems.Conflict(
                $"Agent {create.AgentId} already has job {busy.ActiveJobId} queued or provisioning; follow it at /api/jobs/{busy.ActiveJobId}, or wait until it is running or failed.",
                new Dictionary<string, object?> { ["job_id"] = busy.ActiveJobId });
        }

        if (job is { Status: JobStatus.Queued, DispatchedAt: null })
        {
            await EnqueueOrFailAsync(job, cancellationToken);
        }

        if (added)
        {
            LogCreated(logger, jobId, create.AgentId, create.Region);
        }

        return Accepted(job);
    }

    /// <summary>
    /// A job that holds its agent but is not on the queue would block the agent: when the
    /// enqueue fails, fail the job (releasing the agent) before answering 503. If even that
    /// cannot be written, the time-out timer fails the job later.
    /// </summary>
    private async Task EnqueueOrFailAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            await intake.EnqueueAsync(job.JobId, cancellationToken);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e, cancellationToken))
        {
            LogEnqueueFailed(logger, job.JobId, e);
            await jobs.UpdateAsync(job.JobId, j => JobTransitions.Fail(j, FailureReason.DispatchFailed, "The job could not be queued for dispatch because storage was unavailable. Create it again.", null, newJobs.Now), CancellationToken.None);

            throw;
        }
    }

    private static StatusDocumentResult Accepted(Job job) =>
        new(job, StatusCodes.Status202Accepted, $"/api/jobs/{job.JobId}");

    private static bool IsJson(string contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    private static bool IsValidIdempotencyKey(string? key) =>
        key is { Length: >= 1 and <= MaxIdempotencyKeyLength } && key.All(c => c is >= ' ' and <= '~');

    /// <summary>
    /// A key is the person's own (docs/api.md): hashed with who sent it (<c>oid</c>, else
    /// <c>sub</c>), so the same key from another person is another key. Without sign-in everyone
    /// shares one scope, the key alone. A key is printable ASCII, so the separator cannot occur in it.
    /// </summary>
    private static string HashKey(string key, Creator? creator) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(creator is null ? key : $"{creator.Id}\u001f{key}")));

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} created for agent {AgentId} in {Region} and queued for dispatch")]
    private static partial void LogCreated(ILogger logger, Guid jobId, string agentId, string region);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} could not be enqueued; failing it")]
    private static partial void LogEnqueueFailed(ILogger logger, Guid jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Create refused: agent {AgentId} already has job {JobId} in flight")]
    private static partial void LogAgentBusy(ILogger logger, string agentId, Guid jobId);
}
