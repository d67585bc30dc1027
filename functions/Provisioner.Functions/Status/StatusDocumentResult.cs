using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Status;

/// <summary>
/// Answers with a status document: a strong ETag over its bytes, <c>304</c> when the caller
/// has it already, and a <c>Retry-After</c> poll hint while the job is in flight.
/// </summary>
internal sealed class StatusDocumentResult : IResult, IStatusCodeHttpResult
{
    /// <summary>How often a page should poll a job in flight; the simulated workflow moves every second or two.</summary>
    public const int PollSeconds = 2;

    /// <summary>How often a page should poll a running job, for its agent's health; agents report once a minute.</summary>
    public const int HealthPollSeconds = 15;

    private readonly byte[] _body;
    private readonly int _statusCode;
    private readonly bool _terminal;
    private readonly bool _watchHealth;
    private readonly string? _location;

    public StatusDocumentResult(Job job, int statusCode = StatusCodes.Status200OK, string? location = null, HealthView? health = null, Timing.JobEstimate? estimate = null, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        Document = StatusDocument.From(job, health, estimate, now);
        _body = JsonSerializer.SerializeToUtf8Bytes(Document, Json.Options);
        _watchHealth = health is not null;
        _statusCode = statusCode;
        _terminal = job.IsTerminal;
        _location = location;
        ETag = "\"" + Convert.ToBase64String(SHA256.HashData(_body).AsSpan(0, 18)).Replace('+', '-').Replace('/', '_') + "\"";
    }

    /// <summary>The document answered (its bytes are what <see cref="ETag"/> is over).</summary>
    public StatusDocument Document { get; }

    public string ETag { get; }

    /// <summary>The answer's status, for the middleware that reads it (span, audit log).</summary>
    int? IStatusCodeHttpResult.StatusCode => _statusCode;

    /// <summary>The document as sent (UTF-8 JSON), for an event stream that sends it as an event.</summary>
    internal ReadOnlyMemory<byte> Body => _body;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.Headers.ETag = ETag;
        response.Headers.CacheControl = "no-cache";

        // The page may be on another origin (Static Web App); Azure's CORS setting cannot expose
        // headers, so the answer does: without them the page could not poll conditionally.
        response.Headers.AccessControlExposeHeaders = "ETag, Retry-After, Location";
        if (!_terminal)
        {
            response.Headers.RetryAfter = PollSeconds.ToString(CultureInfo.InvariantCulture);
        }
        else if (_watchHealth)
        {
            response.Headers.RetryAfter = HealthPollSeconds.ToString(CultureInfo.InvariantCulture);
        }

        if (_location is not null)
        {
            response.Headers.Location = _location;
        }

        if (_statusCode == StatusCodes.Status200OK && Matches(httpContext.Request.Headers.IfNoneMatch))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = _statusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = _body.Length;
        await response.Body.WriteAsync(_body, httpContext.RequestAborted);
    }

    private bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        var ours = new EntityTagHeaderValue(ETag);
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(ours, useStrongComparison: false));
    }
}
