using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Status;

/// <summary>
/// A job's event stream (<c>text/event-stream</c>, docs/events.md): the current document first,
/// then one <c>event: status</c> per change, each with an increasing <see cref="EventId"/>, a
/// comment line when nothing else was sent for <c>EVENTS_KEEPALIVE_SECONDS</c>; it ends after a
/// terminal document, or after <c>EVENTS_STREAM_SECONDS</c> (the client resumes with
/// <c>Last-Event-ID</c>). Each stream reads the job row once a second (<see cref="StatusReader.SnapshotAsync"/>)
/// and sends an event only when the document's ETag moved. Written straight to the response
/// body and flushed per event, on the Functions host (ASP.NET Core integration) as on the local runner.
/// </summary>
internal sealed partial class EventStreamResult(EventStreamResult.Start start, StatusReader status, EventStreams streams, EventStreamOptions options, TimeProvider time, ILogger logger) : IResult
{
    /// <summary>How often a stream reads its job row: the one storage read a second the stream may cost.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private static readonly byte[] KeepAliveLine = Encoding.UTF8.GetBytes(": keep-alive\n\n");

    /// <param name="JobId">The job.</param>
    /// <param name="First">Its snapshot when the request was answered.</param>
    /// <param name="LastEventId">The caller's <c>Last-Event-ID</c>, if it is a number.</param>
    internal sealed record Start(Guid JobId, StatusSnapshot First, EventId? LastEventId);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!streams.TryEnter())
        {
            await JobEventsHandler.Full().ExecuteAsync(httpContext);
            return;
        }

        try
        {
            await StreamAsync(httpContext);
        }
        catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
        {
            // The caller went away.
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e, httpContext.RequestAborted))
        {
            LogStorageLost(logger, start.JobId, e); // the stream ends; the caller resumes with Last-Event-ID
        }
        finally
        {
            streams.Leave();
        }
    }

    private async Task StreamAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // a proxy in front must not hold events back
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var ends = time.GetUtcNow() + options.StreamLifetime;
        var poll = options.KeepAlive < PollInterval ? options.KeepAlive : PollInterval;
        var current = start.First;
        var resumed = EventId.ResumeFrom(start.LastEventId, current.Version);
        var id = resumed ?? EventId.Of(current.Version);
        if (resumed is null)
        {
            await WriteEventAsync(response, id, current, cancellationToken);
        }
        else
        {
            await response.Body.FlushAsync(cancellationToken); // the headers go now: the caller knows the stream is open
        }

        var lastWrite = time.GetUtcNow();
        var nextRead = lastWrite + poll;
        while (!current.Job.IsTerminal)
        {
            // Reads on a fixed beat, not a second after the last read ended: a slow read does not push the next one back.
            var wait = nextRead - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            var now = time.GetUtcNow();
            nextRead = nextRead + poll > now ? nextRead + poll : now + poll;
            if (now >= ends)
            {
                return;
            }

            streams.CountRead();
            if (await status.SnapshotAsync(start.JobId, current, cancellationToken) is not { } next)
            {
                return; // the job row is gone (a create refused after all): nothing more will happen
            }

            if (next.Document.ETag != current.Document.ETag)
            {
                id = id.Next(next.Version);
                await WriteEventAsync(response, id, next, cancellationToken);
                lastWrite = now;
            }
            else if (now + poll - lastWrite > options.KeepAlive)
            {
                await response.Body.WriteAsync(KeepAliveLine, cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                lastWrite = now;
            }

            current = next;
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, EventId id, StatusSnapshot snapshot, CancellationToken cancellationToken)
    {
        var head = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"id: {id}\nevent: status\ndata: "));
        await response.Body.WriteAsync(head, cancellationToken);
        await response.Body.WriteAsync(snapshot.Document.Body, cancellationToken); // one line: the JSON is not indented
        await response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its event stream ended because storage could not be read; the client resumes")]
    private static partial void LogStorageLost(ILogger logger, Guid jobId, Exception exception);
}
