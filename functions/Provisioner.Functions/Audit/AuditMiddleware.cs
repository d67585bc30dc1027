using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Hosting;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Audit;

/// <summary>
/// Records a person's request in the audit log once it is answered (docs/audit.md): every change
/// that succeeded (a 2xx to anything but GET/HEAD) and every refusal for the caller's rights or
/// quota (401, 403, 409, 429), read or write. It wraps the access check, so it sees that check's
/// refusals too. Open functions (health, the workflow's callbacks) are not people's requests and
/// are not recorded; nor are bad input (400, 404, 422), which changes nothing, and failures.
/// A change to a job is written with its entry in one transaction (<see cref="AuditTrail"/>); once
/// the answer is sent, that entry is copied into the log with the answer, and a copy that fails is
/// left to the sweep. A refusal, which changes nothing, is written to the
/// log directly: when that write fails the answer stands and the loss is logged.
/// </summary>
internal sealed partial class AuditMiddleware(AuditLog log, AuditTrail trail, TimeProvider time, ILogger<AuditMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http || FunctionPolicy.Of(context) is not { Access: not null and not Access.Open } policy)
        {
            await next(context);
            return;
        }

        // A change the request makes to a job carries its entry in the same transaction (AuditTrail).
        using var scope = AuditScope.Begin(() => ActorOf(http), AuditActions.Of(policy.Name), RouteTarget(http));
        try
        {
            await next(context);
        }
        catch (Exception) when (scope.Scope.HasCommitted)
        {
            // The change stands: its entry goes into the log with the answer a failure gets.
            CopyAfterAnswer(http, scope.Scope, StatusCodes.Status500InternalServerError);
            throw;
        }

        var answer = InvocationAnswer.Get(context);
        var status = RequestSpanMiddleware.Status(answer);
        if (scope.Scope.HasCommitted)
        {
            CopyAfterAnswer(http, scope.Scope, status);
            return;
        }

        if (status is not { } recorded || !IsRecorded(http.Request.Method, recorded))
        {
            return;
        }

        // A refusal, or a change that wrote no job row: an entry of its own.
        var entry = Entry(policy.Name, http, answer, recorded, time.GetUtcNow());
        try
        {
            await log.AppendAsync(entry, CancellationToken.None);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e, CancellationToken.None) || e is Azure.RequestFailedException)
        {
            LogLost(logger, entry.Action, entry.Target, recorded, e);
        }
    }

    /// <summary>
    /// The entry is stored with the change already; copying it into the log's partitions waits until
    /// the answer is sent, so it adds nothing to what the caller waits on. A copy that fails, or that
    /// a crash stops, is left to the sweep (<see cref="AuditTrail.HoldsAsync"/>).
    /// </summary>
    private void CopyAfterAnswer(HttpContext http, AuditScope scope, int? status) =>
        http.Response.OnCompleted(async () =>
        {
            foreach (var written in scope.Committed)
            {
                try
                {
                    await trail.CopyAsync(written, status, CancellationToken.None);
                }
                catch (Exception e)
                {
                    // Nothing may escape a completed response; the row is kept with its job for the sweep.
                    LogCopyFailed(logger, written.Action, written.JobId, e);
                }
            }
        });

    /// <summary>A change that succeeded, or a refusal for the caller's rights or quota.</summary>
    public static bool IsRecorded(string method, int status) =>
        status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status409Conflict or StatusCodes.Status429TooManyRequests
        || (status is >= 200 and < 300 && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method));

    public static string OutcomeOf(int status) => status switch
    {
        StatusCodes.Status202Accepted => "accepted",
        >= 200 and < 300 => "done",
        StatusCodes.Status401Unauthorized => "unauthenticated",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status409Conflict => "conflict",
        StatusCodes.Status429TooManyRequests => "over_quota",
        >= 500 => "failed", // a change was written, then the request failed (docs/audit.md)
        _ => "refused",
    };

    private static AuditEntry Entry(string function, HttpContext http, object? answer, int status, DateTimeOffset at)
    {
        var document = (answer as StatusDocumentResult)?.Document;
        var agentId = http.GetRouteValue("agentId") as string ?? document?.AgentId;
        Guid? jobId = http.GetRouteValue("jobId") is string text && Guid.TryParse(text, out var id) ? id : document?.JobId;
        var target = RouteTarget(http) ?? (jobId is { } job ? "job/" + job.ToString("D") : Bound(http.Request.Path.Value ?? ""));
        return new AuditEntry(at, ActorOf(http), AuditActions.Of(function), target, agentId is not null && AgentIds.IsValid(agentId) ? agentId : null, jobId, status, OutcomeOf(status));
    }

    private static AuditActor? ActorOf(HttpContext http) => Caller.Of(http.User) is { } creator ? new AuditActor(creator.Id, creator.Name) : null;

    /// <summary>What the route names: the agent, else the job; null when it names neither.</summary>
    private static string? RouteTarget(HttpContext http) =>
        http.GetRouteValue("agentId") is string routeAgent ? "agent/" + Bound(routeAgent)
        : http.GetRouteValue("jobId") is string routeJob ? "job/" + (Guid.TryParse(routeJob, out var id) ? id.ToString("D") : Bound(routeJob))
        : null;

    private static string Bound(string value) => value.Length > 200 ? value[..200] : value;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit entry of {Action} on job {JobId} not copied after the answer; the sweep copies it")]
    private static partial void LogCopyFailed(ILogger logger, string action, Guid? jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry lost: {Action} on {Target} answered {Status}, the audit table could not be written")]
    private static partial void LogLost(ILogger logger, string action, string target, int status, Exception exception);
}
