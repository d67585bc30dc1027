using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Telemetry;

/// <summary>
/// A span around one HTTP function, continuing the caller's <c>traceparent</c> header (the
/// workflow sends back the one it was dispatched with), tagged with the answer's status. Called
/// by the functions themselves, not by middleware, so the local runner and the host trace alike.
/// </summary>
public static class TracedRequest
{
    public const string TraceparentHeader = "traceparent";

    public static async Task<IResult> RunAsync(string name, HttpRequest request, Guid? jobId, Func<Task<IResult>> run)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(run);
        var traceparent = request.Headers[TraceparentHeader] is { Count: 1 } header ? header[0] : null;

        // The caller's trace, or a new one: never the span the host or the runner may have
        // started around the request, which nobody samples and which differs between the two.
        Activity.Current = null;
        using var activity = ProvisionerTelemetry.Start(name, ActivityKind.Server, traceparent, jobId);
        var result = await run();
        if (Status(result) is { } status)
        {
            activity?.SetTag("http.response.status_code", status);
            if (status >= 500)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }
        }

        return result;
    }

    public static int? Status(IResult result) => result switch
    {
        ProblemResult problem => problem.Status,
        IStatusCodeHttpResult { StatusCode: { } code } => code,
        _ => null,
    };
}
