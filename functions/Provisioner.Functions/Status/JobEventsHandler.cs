using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Status;

/// <summary>
/// <c>GET /api/jobs/{job_id}/events</c> (docs/events.md): reads the job once, so an unknown job is
/// <c>404</c> before any event, then hands the open stream to <see cref="EventStreamResult"/>.
/// </summary>
internal sealed class JobEventsHandler(StatusReader status, EventStreams streams, IOptions<EventStreamOptions> options, ILogger<JobEventsHandler> logger)
{
    public const string LastEventIdHeader = "Last-Event-ID";

    public async Task<IResult> HandleAsync(HttpRequest request, string jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Guid.TryParse(jobId, out var id))
        {
            return Problems.NotFound($"There is no job \"{(jobId.Length > 80 ? jobId[..80] + "…" : jobId)}\": job ids are the GUIDs that POST /api/jobs returns.");
        }

        if (streams.Open >= options.Value.MaxStreams)
        {
            return Full();
        }

        streams.CountRead();
        var first = await status.SnapshotAsync(id, null, cancellationToken);
        return first is null
            ? Problems.NotFound($"There is no job {id}.")
            // The stream's beat, keep-alive and lifetime pace I/O on the wall clock; what the document
            // says (a slow step, the estimate) follows the app's clock, in StatusReader.
            : new EventStreamResult(new EventStreamResult.Start(id, first, EventId.Parse(request.Headers[LastEventIdHeader])), status, streams, options.Value, TimeProvider.System, logger);
    }

    /// <summary>Every place for a stream is taken: try again shortly, or read the document with GET /api/jobs/{job_id}.</summary>
    internal static ProblemResult Full() =>
        new(503, "Too many event streams", $"This instance has as many job event streams open as {EventStreamOptions.MaxStreamsSetting} allows; retry after the time in Retry-After, or poll GET /api/jobs/{{job_id}} meanwhile.", retryAfterSeconds: Problems.StorageRetryAfterSeconds);
}
