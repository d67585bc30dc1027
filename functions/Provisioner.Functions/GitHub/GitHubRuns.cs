using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Octokit;
using Polly.Registry;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Reconcile;
using WorkflowRun = Provisioner.Functions.Reconcile.WorkflowRun;

namespace Provisioner.Functions.GitHub;

/// <summary>
/// Reads workflow runs, their jobs and steps from the GitHub REST API. Plain HTTP rather than
/// Octokit's <c>IConnection</c>: that sends no request headers of ours, so it cannot make the
/// conditional request (<c>If-None-Match</c> with the <c>ETag</c> kept on the job's side row)
/// that costs no rate limit when the run has not changed, and Octokit's own response cache
/// lives in one process's memory. The base address, token and retry pipeline are the ones the
/// dispatch uses (Octokit's address, so a GitHub Enterprise Server gets the same
/// <c>/api/v3/</c>).
/// </summary>
internal sealed partial class GitHubRuns(
    IGitHubClient github,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<GitHubOptions> options,
    TimeProvider time,
    IHttpClientFactory httpClients,
    ILogger<GitHubRuns> logger) : IWorkflowRuns, IDisposable
{
    /// <summary>Its client, from the app's factory (registered with the app's other clients).</summary>
    public const string HttpClientName = "github-runs";

    private static readonly JsonSerializerOptions Wire = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly HttpClient _http = httpClients.CreateClient(HttpClientName);

    /// <summary>How many answers were <c>304 Not Modified</c> since start (each one a question that cost no rate limit).</summary>
    public long NotModifiedAnswers => Interlocked.Read(ref _notModified);

    private long _notModified;

    public async Task<RunLookup> GetAsync(string runId, ReconcileState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var path = RunPath(runId);
        var etag = state.RunId == runId && state.Run is not null ? state.ETag : null;
        var (status, body, answerETag) = await SendAsync(path, etag, cancellationToken);
        switch (status)
        {
            case HttpStatusCode.NotModified:
                Interlocked.Increment(ref _notModified);
                LogNotModified(logger, runId);
                return new RunLookup.Found(state.Run!, etag, NotModified: true);
            case HttpStatusCode.NotFound:
                return new RunLookup.Missing($"GitHub has no run {runId} of {options.Value.RepositoryName}");
            default:
                var run = JsonSerializer.Deserialize<RunJson>(body, Wire) ?? throw new InvalidDataException($"GitHub's answer about run {runId} is empty");
                return new RunLookup.Found(run.ToRun(), answerETag, NotModified: false);
        }
    }

    public Task<RunLookup> FindAsync(Guid jobId, DateTimeOffset since, CancellationToken cancellationToken) =>
        FindAsync(jobId, since, options.Value.Workflow, cancellationToken);

    public async Task<RunLookup> FindAsync(Guid jobId, DateTimeOffset since, string workflow, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var created = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var path = $"{Repository}/actions/workflows/{Uri.EscapeDataString(workflow)}/runs?event=workflow_dispatch&per_page=100&created={Uri.EscapeDataString(">=" + created)}";
        var (status, body, _) = await SendAsync(path, null, cancellationToken);
        if (status == HttpStatusCode.NotFound)
        {
            return new RunLookup.Missing($"GitHub has no workflow {workflow} in {o.RepositoryName}");
        }

        var list = JsonSerializer.Deserialize<RunListJson>(body, Wire);
        var id = jobId.ToString("D");
        var runs = (list?.WorkflowRuns ?? [])
            .Where(r => (r.DisplayTitle ?? "").Contains(id, StringComparison.OrdinalIgnoreCase) || (r.Name ?? "").Contains(id, StringComparison.OrdinalIgnoreCase))
            .ToList();

        // Two runs for one job (a dispatch that was retried): the one still going, else the first.
        var chosen = runs.FirstOrDefault(r => r.Status != "completed") ?? runs.OrderBy(r => r.Id).FirstOrDefault();
        return chosen is null
            ? new RunLookup.Missing($"no {workflow} run of {o.RepositoryName} started by workflow_dispatch since {created} carries job id {id} in its name")
            : new RunLookup.Found(chosen.ToRun(), null, NotModified: false);
    }

    public async Task<FailedWorkflowStep?> FailedStepAsync(string runId, CancellationToken cancellationToken)
    {
        var (status, body, _) = await SendAsync(RunPath(runId) + "/jobs?per_page=100", null, cancellationToken);
        if (status == HttpStatusCode.NotFound)
        {
            return null;
        }

        var jobs = JsonSerializer.Deserialize<JobListJson>(body, Wire)?.Jobs ?? [];
        var ordered = jobs.OrderBy(j => j.Name == WorkflowSteps.ProvisionJob ? 0 : 1).ToList();
        foreach (var job in ordered)
        {
            var steps = job.Steps ?? [];
            var step = steps.FirstOrDefault(s => s.Conclusion is "failure" or "cancelled" or "timed_out")
                ?? (job.Conclusion is "failure" or "cancelled" or "timed_out" ? steps.FirstOrDefault(s => s.Status != "completed") : null);
            if (step is not null || job.Conclusion is "failure" or "cancelled" or "timed_out")
            {
                return new FailedWorkflowStep(job.Name ?? "", step?.Name, job.HtmlUrl);
            }
        }

        return null;
    }

    private string Repository => $"repos/{Uri.EscapeDataString(options.Value.Owner!.Trim())}/{Uri.EscapeDataString(options.Value.Repo!.Trim())}";

    /// <summary><c>{id}</c> → the run; <c>{id}.{n}</c> (a re-run's claim) → its attempt n.</summary>
    private string RunPath(string runId)
    {
        var parts = runId.Split('.');
        if (parts.Length > 2 || !parts.All(p => p.Length is > 0 and <= 20 && p.All(char.IsAsciiDigit)))
        {
            throw new ArgumentException($"{runId} is not a GitHub run id", nameof(runId));
        }

        return parts.Length == 2 ? $"{Repository}/actions/runs/{parts[0]}/attempts/{parts[1]}" : $"{Repository}/actions/runs/{parts[0]}";
    }

    /// <summary>One GET under the dispatch's resilience pipeline: 5xx and rate limits are retried (rate limits after the wait GitHub asks for), other 4xx but 404 thrown as they are.</summary>
    private async Task<(HttpStatusCode Status, string Body, string? ETag)> SendAsync(string path, string? ifNoneMatch, CancellationToken cancellationToken) =>
        await pipelines.GetPipeline(GitHubResilience.PipelineName).ExecuteAsync(
            async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(github.Connection.BaseAddress, path));
                request.Headers.Accept.ParseAdd("application/vnd.github+json");
                request.Headers.UserAgent.ParseAdd("Provisioner");
                request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.Token);
                if (ifNoneMatch is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
                }

                using var response = await _http.SendAsync(request, token);
                var body = await response.Content.ReadAsStringAsync(token);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotModified or HttpStatusCode.NotFound)
                {
                    return (response.StatusCode, body, response.Headers.ETag?.ToString());
                }

                if (RateLimitWait(response, body) is { } wait)
                {
                    LogRateLimited(logger, path, (int)response.StatusCode, wait);
                    throw new GitHubRateLimitedException($"GitHub's rate limit ({(int)response.StatusCode}) for {path}: wait {wait}", wait);
                }

                if ((int)response.StatusCode >= 500)
                {
                    throw new HttpRequestException($"GitHub answered {(int)response.StatusCode} for {path}", null, response.StatusCode);
                }

                throw new GitHubReadException($"GitHub answered {(int)response.StatusCode} when asked for {path}: check that {GitHubOptions.TokenSetting} may read Actions (actions: read) on {options.Value.RepositoryName}.", response.StatusCode);
            },
            cancellationToken);

    /// <summary>
    /// How long a 403/429 rate-limit answer asks us to wait (GitHub's REST docs, "Rate limits"):
    /// <c>retry-after</c> seconds; else, with <c>x-ratelimit-remaining: 0</c>, until
    /// <c>x-ratelimit-reset</c> (epoch seconds); else, for a secondary limit, at least a minute.
    /// Null when the answer is not a rate limit (a 403 for missing permissions).
    /// </summary>
    private TimeSpan? RateLimitWait(HttpResponseMessage response, string body)
    {
        if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests))
        {
            return null;
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }

        if (Header(response, "x-ratelimit-remaining") == "0")
        {
            var reset = long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                ? DateTimeOffset.FromUnixTimeSeconds(epoch) - time.GetUtcNow()
                : TimeSpan.FromMinutes(1);
            return reset > TimeSpan.Zero ? reset : TimeSpan.FromSeconds(1);
        }

        return response.StatusCode == HttpStatusCode.TooManyRequests || body.Contains("rate limit", StringComparison.OrdinalIgnoreCase)
            ? TimeSpan.FromMinutes(1)
            : null;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();

    private sealed record RunJson(long Id, string? Name, string? DisplayTitle, string? Status, string? Conclusion, string? HtmlUrl)
    {
        public WorkflowRun ToRun() => new(Id, Status ?? "", Conclusion, HtmlUrl);
    }

    private sealed record RunListJson(IReadOnlyList<RunJson>? WorkflowRuns);

    private sealed record StepJson(string? Name, string? Status, string? Conclusion);

    private sealed record JobJson(string? Name, string? Status, string? Conclusion, string? HtmlUrl, IReadOnlyList<StepJson>? Steps);

    private sealed record JobListJson(IReadOnlyList<JobJson>? Jobs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "GitHub run {RunId}: 304 Not Modified (no rate limit spent)")]
    private static partial void LogNotModified(ILogger logger, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GitHub rate limit ({StatusCode}) reading {Path}: waiting {Wait}")]
    private static partial void LogRateLimited(ILogger logger, string path, int statusCode, TimeSpan wait);
}
