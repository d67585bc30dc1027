using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Provisioner.Functions.Http;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.Hosting;

/// <summary>
/// A span around each HTTP function, named by its <see cref="RequestSpanAttribute"/> (else the
/// function's name), tagged with the answer's status and the route's job id, and an error when
/// the answer is a 5xx or the function threw. Outermost, so it covers the access check and the
/// storage-outage answer too, and tells the function's answer metric, if it names one, every answer.
/// Its parent (docs/telemetry.md): the worker's invocation span when the worker traces (the
/// Functions host with <c>telemetryMode: OpenTelemetry</c>), else the trace context the host
/// passed (the local runner passes the request's <c>traceparent</c>, having no span of its own).
/// A caller's <c>traceparent</c> of another trace wins, linked to the host's span: the workflow
/// sends back the job's trace context, and a job is one trace.
/// </summary>
internal sealed class RequestSpanMiddleware : IFunctionsWorkerMiddleware
{
    public const string TraceparentHeader = "traceparent";

    /// <summary>The worker's own <see cref="ActivitySource"/>: its span per invocation, the host's span's child.</summary>
    public const string WorkerSource = "Microsoft.Azure.Functions.Worker";

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        var policy = FunctionPolicy.Of(context);
        using var activity = Start(policy.SpanName, context, http);
        try
        {
            await next(context);
        }
        catch (Exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error);
            throw;
        }

        var status = Status(InvocationAnswer.Get(context));
        if (status is { } code)
        {
            activity?.SetTag("http.response.status_code", code);
            if (code >= 500)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }
        }

        policy.Answers?.Record(status);
    }

    private static Activity? Start(string name, FunctionContext context, HttpContext http)
    {
        ActivityContext? host = Activity.Current is { Source.Name: WorkerSource } invocation ? invocation.Context : Parse(context.TraceContext?.TraceParent);
        ActivityContext? caller = http.Request.Headers[TraceparentHeader] is { Count: 1 } header ? Parse(header[0]) : null;
        var parent = caller is { } c && (host is not { } h || h.TraceId != c.TraceId) ? c : host ?? default;
        ActivityLink[]? links = caller is not null && host is { } other && other.TraceId != parent.TraceId ? [new ActivityLink(other)] : null;

        // Never a span nobody exports (the local runner's ASP.NET Core request activity) as the parent.
        Activity.Current = null;
        var activity = ProvisionerTelemetry.Source.StartActivity(name, ActivityKind.Server, parent, links: links);
        if (http.GetRouteValue("jobId") is string jobId && Guid.TryParse(jobId, out var id))
        {
            activity?.SetTag("provisioner.job_id", id.ToString("D"));
        }

        return activity;
    }

    private static ActivityContext? Parse(string? traceparent) =>
        !string.IsNullOrEmpty(traceparent) && ActivityContext.TryParse(traceparent, null, isRemote: true, out var context) ? context : null;

    internal static int? Status(object? answer) => answer switch
    {
        ProblemResult problem => problem.Status,
        IStatusCodeHttpResult { StatusCode: { } code } => code,
        _ => null,
    };
}
