using System.Net;
using System.Net.Http.Headers;

namespace Provisioner.Cli;

/// <summary>
/// Follows a job until it ends, showing each new document: over its event stream
/// (GET /api/jobs/{job_id}/events), resuming with Last-Event-ID whenever the server closes the
/// stream before the end (it does within 220 s) or the connection drops; by polling
/// GET /api/jobs/{job_id} at the server's Retry-After pace where the stream route is not there
/// (404 or 405 from a backend without it, or an answer that is not an event stream). While the
/// server is at its limit of open streams (503), it polls once per Retry-After and tries again.
/// </summary>
internal sealed class JobFollower(ProvisionerApi api, Action<JobDocument> show)
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    private const int MaxConnectFailures = 5;

    public async Task<JobDocument> FollowAsync(string jobId, CancellationToken cancellationToken)
    {
        string? lastEventId = null;
        var failures = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/jobs/{Uri.EscapeDataString(jobId)}/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastEventId is not null)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            }

            HttpResponseMessage response;
            try
            {
                response = await api.Streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                if (++failures > MaxConnectFailures)
                {
                    throw new CliFailure(ExitCodes.Failed, $"could not reach {api.BaseUrl}: {e.Message}");
                }

                await Task.Delay(Reconnect, cancellationToken);
                continue;
            }

            using (response)
            {
                var isStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
                if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed || (response.IsSuccessStatusCode && !isStream))
                {
                    // No stream route here (or, for 404, an unknown job: the poll says which).
                    return await PollAsync(jobId, cancellationToken);
                }

                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    var document = await PollOnceAsync(jobId, cancellationToken);
                    if (document.Document.IsTerminal)
                    {
                        return document.Document;
                    }

                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5), cancellationToken);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw ProvisionerApi.Refusal((int)response.StatusCode, await ProblemDetailAsync(response, cancellationToken));
                }

                var sawEvent = false;
                try
                {
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    await foreach (var message in EventStream.ReadAsync(body, cancellationToken))
                    {
                        lastEventId = message.Id ?? lastEventId;
                        if (message.Type != "status")
                        {
                            continue;
                        }

                        sawEvent = true;
                        failures = 0;
                        var document = JobDocument.Parse(message.Data);
                        show(document);
                        if (document.IsTerminal)
                        {
                            return document;
                        }
                    }
                }
                catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    // The connection dropped mid-stream: resume after the last event below.
                }

                if (!sawEvent && ++failures > MaxConnectFailures)
                {
                    throw new CliFailure(ExitCodes.Failed, $"the event stream of job {jobId} keeps closing without an event");
                }

                if (!sawEvent)
                {
                    await Task.Delay(Reconnect, cancellationToken);
                }
            }
        }
    }

    private async Task<JobDocument> PollAsync(string jobId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (document, retryAfter) = await PollOnceAsync(jobId, cancellationToken);
            if (document.IsTerminal)
            {
                return document;
            }

            var wait = retryAfter ?? TimeSpan.FromSeconds(2);
            await Task.Delay(wait < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : wait > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : wait, cancellationToken);
        }
    }

    private async Task<(JobDocument Document, TimeSpan? RetryAfter)> PollOnceAsync(string jobId, CancellationToken cancellationToken)
    {
        var (json, retryAfter) = await api.SendAsync(api.Client.Api.Jobs[jobId].ToGetRequestInformation(), cancellationToken);
        var document = JobDocument.Parse(json);
        show(document);
        return (document, retryAfter);
    }

    private static async Task<string?> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = JobDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).Raw;
            return problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
