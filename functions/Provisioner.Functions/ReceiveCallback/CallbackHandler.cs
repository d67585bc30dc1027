using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>
/// Receives a workflow callback: size cap, proof of the sender (a signature over the raw bytes,
/// or the run's GitHub Actions token: <see cref="CallbackAuthenticator"/>), parse, then keep and
/// apply it in one transaction. Nothing is written unless the proof holds.
/// </summary>
/// <remarks>
/// What follows an accepted callback (step timings, the server-removal mark, agent health)
/// observes it (<see cref="JobChanges"/>, after the commit); the notification outbox row is
/// written in the transaction itself (<see cref="IJobWriteParticipant"/>).
/// </remarks>
internal sealed partial class CallbackHandler(
    CallbackAuthenticator authenticator,
    JobStore store,
    CallbackCompletion completion,
    JobChanges changes,
    ClaimAnswer answer,
    ILogger<CallbackHandler> logger)
{
    public const int MaxBodyBytes = 64 * 1024;

    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = await BoundedBody.ReadAsync(request, MaxBodyBytes, "a callback carries a few fields and never needs that much", cancellationToken);
        if (read.Problem is { } unreadable)
        {
            LogUnreadable(logger, request.ContentLength);
            return unreadable;
        }

        var body = read.Body;

        var proof = await authenticator.AuthenticateAsync(request, body, cancellationToken);
        if (proof.Refusal is { } refusal)
        {
            return refusal;
        }

        if (!CallbackParser.TryParse(body, out var parsed, out var error))
        {
            LogMalformed(logger, proof.Scheme);
            return Problems.BadRequest(error);
        }

        if (proof.Bind(parsed) is not { } callback)
        {
            LogRunMismatch(logger, parsed.JobId, parsed.WorkflowRunId, proof.Run?.ClaimId);
            return Problems.Unauthorized($"workflow_run_id {parsed.WorkflowRunId} is not the run the token was issued to ({proof.Run?.ClaimId}): send the run's own token, or leave workflow_run_id out.");
        }

        if (await authenticator.AdmitAsync(proof, callback, cancellationToken) is { } notAdmitted)
        {
            return notAdmitted;
        }

        if (callback.AddressesMissing is { } strict && await store.FindAsync(callback.JobId, cancellationToken) is not { Kind: JobKind.Deprovision })
        {
            LogMalformed(logger, proof.Scheme);
            return Problems.BadRequest(strict);
        }

        (callback, var receivedAt) = completion.Complete(callback);
        var record = new CallbackRecord(
            callback.JobId,
            DedupeKey(proof.WebhookId, callback, body.Span, receivedAt),
            receivedAt,
            proof.Scheme,
            proof.WebhookId,
            callback.Describe(),
            body);

        // A token also proves which workflow the run is of: each may report only for its own kind of job.
        var result = await store.RecordCallbackAsync(
            record,
            job => proof.Run?.Refuses(job) is { } wrongWorkflow ? new CallbackOutcome.ClaimRefused(wrongWorkflow) : JobTransitions.Apply(job, callback, receivedAt),
            cancellationToken);
        switch (result)
        {
            case RecordResult.UnknownJob:
                LogUnknownJob(logger, callback.JobId);
                return Problems.NotFound($"There is no job {callback.JobId}: callbacks must carry the job_id the workflow was dispatched with.");
            case RecordResult.Refused refused:
                LogClaimRefused(logger, callback.JobId, callback.WorkflowRunId);

                // A run refused because its job is being cancelled stops before it creates anything:
                // that is the confirmation (a crash here leaves the sweeper to end the cancel).
                await store.UpdateAsync(callback.JobId, job => Cancellation.EndAtRefusedClaim(job, callback, receivedAt), cancellationToken);
                return Problems.Conflict(refused.Reason + ".", new Dictionary<string, object?> { ["job_id"] = callback.JobId });
            case RecordResult.Duplicate:
                LogDuplicate(logger, callback.JobId, record.Kind);

                // Seen again: its follow-ups run once more, which repairs one a crash left out.
                var stored = await store.FindAsync(callback.JobId, cancellationToken);
                if (stored is not null)
                {
                    await changes.PublishAsync(JobChange.SeenAgain(stored, JobChangeCause.Callback, callback), cancellationToken);
                }

                return answer.For(callback, stored);
            case RecordResult.Recorded recorded:
                LogRecorded(logger, callback.JobId, record.Kind, recorded.Changed, recorded.Job.Status);
                await changes.PublishAsync(new JobChange(recorded.Before, recorded.Job, JobChangeCause.Callback, callback), cancellationToken);
                return answer.For(callback, recorded.Job);
            default:
                throw new InvalidOperationException("unknown record result");
        }
    }

    /// <summary>
    /// A callback's identity. Standard Webhooks gives one (<c>webhook-id</c>). A legacy callback
    /// is identified by its bytes, so an identical resend is recognised; heartbeats are the
    /// exception, as a legacy sender sends the same body every minute and each one counts.
    /// </summary>
    private static string DedupeKey(string? webhookId, Callback callback, ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        if (webhookId is { } id)
        {
            return "swh-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
        }

        var hash = "lgc-" + Convert.ToHexStringLower(SHA256.HashData(body));
        return callback.Kind == CallbackKind.Heartbeat ? $"{hash}-{receivedAt.UtcTicks}" : hash;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback refused: body over the cap or unreadable (declared length {ContentLength})")]
    private static partial void LogUnreadable(ILogger logger, long? contentLength);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback refused: proven ({Scheme}) but malformed")]
    private static partial void LogMalformed(ILogger logger, string scheme);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for job {JobId} refused: it names run {BodyRunId}, the token was issued to run {TokenRunId}")]
    private static partial void LogRunMismatch(ILogger logger, Guid jobId, string? bodyRunId, string? tokenRunId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for unknown job {JobId}")]
    private static partial void LogUnknownJob(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for job {JobId} refused: run {WorkflowRunId} does not hold the job")]
    private static partial void LogClaimRefused(ILogger logger, Guid jobId, string? workflowRunId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback for job {JobId} ({Kind}) seen before: acknowledged, not applied again")]
    private static partial void LogDuplicate(ILogger logger, Guid jobId, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback for job {JobId} ({Kind}) recorded; changed projection: {Changed}; status {Status}")]
    private static partial void LogRecorded(ILogger logger, Guid jobId, string kind, bool changed, JobStatus status);
}
