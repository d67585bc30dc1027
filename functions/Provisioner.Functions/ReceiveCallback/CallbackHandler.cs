using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>
/// Receives a workflow callback: size cap, signature over the raw bytes, parse, then keep and
/// apply it in one transaction. Nothing is written unless the signature is valid.
/// </summary>
public sealed partial class CallbackHandler(
    CallbackSignatureVerifier verifier,
    JobStore store,
    IOptions<DispatchOptions> dispatch,
    ClaimFollowUp followUp,
    TimeProvider time,
    ILogger<CallbackHandler> logger,
    Timing.StepTimings timings)
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

        var headers = new SignatureHeaders(
            JoinedHeader(request, SignatureHeaders.XSignatureName),
            JoinedHeader(request, SignatureHeaders.WebhookIdName),
            JoinedHeader(request, SignatureHeaders.WebhookTimestampName),
            JoinedHeader(request, SignatureHeaders.WebhookSignatureName));
        var check = verifier.Verify(headers, body.Span);
        if (!check.IsValid)
        {
            LogRejected(logger, check.Verdict, check.Scheme);
            return Problems.Unauthorized(check.Detail);
        }

        if (!CallbackParser.TryParse(body, out var callback, out var error))
        {
            LogMalformed(logger, check.Scheme);
            return Problems.BadRequest(error);
        }

        callback = WithRunLink(callback);
        var receivedAt = time.GetUtcNow();
        var record = new CallbackRecord(
            callback.JobId,
            DedupeKey(check, callback, body.Span, receivedAt),
            receivedAt,
            check.Scheme == SignatureScheme.StandardWebhooks ? "standard-webhooks-v1" : "legacy-x-signature",
            check.WebhookId,
            callback.Describe(),
            body);

        var result = await store.RecordCallbackAsync(record, job => JobTransitions.Apply(job, callback, receivedAt), cancellationToken);
        switch (result)
        {
            case RecordResult.UnknownJob:
                LogUnknownJob(logger, callback.JobId);
                return Problems.NotFound($"There is no job {callback.JobId}: callbacks must carry the job_id the workflow was dispatched with.");
            case RecordResult.Refused refused:
                LogClaimRefused(logger, callback.JobId, callback.WorkflowRunId);
                return Problems.Conflict(refused.Reason + ".", new Dictionary<string, object?> { ["job_id"] = callback.JobId });
            case RecordResult.Duplicate:
                LogDuplicate(logger, callback.JobId, record.Kind);
                return await followUp.AcknowledgeAsync(callback, null, cancellationToken);
            case RecordResult.Recorded recorded:
                LogRecorded(logger, callback.JobId, record.Kind, recorded.Changed, recorded.Job.Status);
                if (recorded.Changed && recorded.Job.Status == JobStatus.Running)
                {
                    // Best effort and once per job (docs/step-timing.md): the callback stands whatever happens here.
                    await timings.RecordAsync(recorded.Job, cancellationToken);
                }

                return await followUp.AcknowledgeAsync(callback, recorded.Job, cancellationToken);
            default:
                throw new InvalidOperationException("unknown record result");
        }
    }

    /// <summary>A claim without <c>workflow_run_url</c> (older workflows send none) gets the run's address built from the repository settings.</summary>
    private Callback WithRunLink(Callback callback) =>
        callback is { Kind: CallbackKind.Progress, Milestone: Milestone.Provisioning, WorkflowRunId: { } runId, WorkflowRunUrl: null }
            ? callback with { WorkflowRunUrl = WorkflowRunLink.For(dispatch.Value, runId) }
            : callback;

    /// <summary>
    /// A callback's identity. Standard Webhooks gives one (<c>webhook-id</c>). A legacy callback
    /// is identified by its bytes, so an identical resend is recognised; heartbeats are the
    /// exception, as a legacy sender sends the same body every minute and each one counts.
    /// </summary>
    private static string DedupeKey(SignatureCheck check, Callback callback, ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        if (check.WebhookId is { } id)
        {
            return "swh-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
        }

        var hash = "lgc-" + Convert.ToHexStringLower(SHA256.HashData(body));
        return callback.Kind == CallbackKind.Heartbeat ? $"{hash}-{receivedAt.UtcTicks}" : hash;
    }

    /// <summary>Every value of a header, joined with commas as HTTP reads repeated headers: a second webhook-signature is not silently dropped.</summary>
    private static string? JoinedHeader(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback refused: body over the cap or unreadable (declared length {ContentLength})")]
    private static partial void LogUnreadable(ILogger logger, long? contentLength);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback refused: signature {Verdict} (scheme {Scheme})")]
    private static partial void LogRejected(ILogger logger, SignatureVerdict verdict, SignatureScheme? scheme);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback refused: signed ({Scheme}) but malformed")]
    private static partial void LogMalformed(ILogger logger, SignatureScheme? scheme);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for unknown job {JobId}")]
    private static partial void LogUnknownJob(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for job {JobId} refused: run {WorkflowRunId} does not hold the job")]
    private static partial void LogClaimRefused(ILogger logger, Guid jobId, string? workflowRunId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback for job {JobId} ({Kind}) seen before: acknowledged, not applied again")]
    private static partial void LogDuplicate(ILogger logger, Guid jobId, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback for job {JobId} ({Kind}) recorded; changed projection: {Changed}; status {Status}")]
    private static partial void LogRecorded(ILogger logger, Guid jobId, string kind, bool changed, JobStatus status);
}
