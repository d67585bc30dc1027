using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// GitHub as a token-proven callback needs it, served by a <see cref="FakeGitHub"/> over HTTP: it
/// accepts the dispatch of a job (answering <c>204</c>, or <c>200</c> with the run's id when the
/// test says the dispatch records it, as <c>return_run_details</c> does) and lists the workflow's
/// runs with each dispatched job's id in the run's display title, as GitHub names the runs of
/// <c>provision-agent.yml</c> and <c>deprovision-agent.yml</c> (<c>run-name</c>).
/// </summary>
public sealed class DispatchedRuns : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, (long RunId, bool Recorded)> _runs = new();

    private DispatchedRuns(FakeGitHub github)
    {
        GitHub = github;
        github.Route = Answer;
    }

    public FakeGitHub GitHub { get; }

    public static async Task<DispatchedRuns> StartAsync() => new(await FakeGitHub.StartAsync());

    /// <summary>The settings that make the app dispatch to, and ask, this GitHub.</summary>
    public Dictionary<string, string?> Settings(string owner, string repo) => new()
    {
        ["GITHUB_TOKEN"] = "ghp_test_token",
        ["GITHUB_OWNER"] = owner,
        ["GITHUB_REPO"] = repo,
        ["GITHUB_API_URL"] = GitHub.BaseUrl.AbsoluteUri,
        ["DISPATCH_RETRY_ATTEMPTS"] = "1",
        ["DISPATCH_RETRY_BASE_DELAY_SECONDS"] = "0.01",
    };

    /// <summary>Dispatches <paramref name="job"/> through the app's own dispatch handler; GitHub then runs it as <paramref name="runId"/>.</summary>
    public async Task DispatchAsync(Runner runner, Guid job, long runId, bool recordsRun = false)
    {
        ArgumentNullException.ThrowIfNull(runner);
        _runs[job] = (runId, recordsRun);
        await runner.Services.GetRequiredService<DispatchHandler>().HandleAsync(new DispatchMessage(job, null), CancellationToken.None);
    }

    /// <summary>A new job, dispatched and run as <paramref name="runId"/>.</summary>
    public async Task<Guid> NewDispatchedJobAsync(Runner runner, long runId, bool recordsRun = false, string? agentId = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var job = await runner.NewJobAsync(agentId);
        await DispatchAsync(runner, job, runId, recordsRun);
        return job;
    }

    /// <summary>How many times the run list was asked for.</summary>
    public int RunListRequests => GitHub.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/runs", StringComparison.Ordinal));

    private FakeGitHub.Answer? Answer(FakeGitHub.Request request)
    {
        if (request.Method == "POST" && request.Path.EndsWith("/dispatches", StringComparison.Ordinal))
        {
            using var body = JsonDocument.Parse(request.Body);
            var job = Guid.Parse(body.RootElement.GetProperty("inputs").GetProperty("job_id").GetString()!);
            return _runs.TryGetValue(job, out var run) && run.Recorded
                ? new FakeGitHub.Answer(200, JsonSerializer.Serialize(new { workflow_run_id = run.RunId, run_url = $"https://api.github.com/repos/x/y/actions/runs/{run.RunId}", html_url = $"https://github.com/x/y/actions/runs/{run.RunId}" }))
                : new FakeGitHub.Answer(204);
        }

        if (request.Method == "GET" && request.Path.EndsWith("/runs", StringComparison.Ordinal))
        {
            var runs = _runs.Select(p => new
            {
                id = p.Value.RunId,
                name = "provision-agent",
                display_title = $"Provision agent (job {p.Key:D})",
                @event = "workflow_dispatch",
                status = "in_progress",
                conclusion = (string?)null,
                html_url = $"https://github.com/x/y/actions/runs/{p.Value.RunId}",
            }).ToArray();
            return new FakeGitHub.Answer(200, JsonSerializer.Serialize(new { total_count = runs.Length, workflow_runs = runs }));
        }

        return new FakeGitHub.Answer(404, "{\"message\":\"Not Found\"}");
    }

    public ValueTask DisposeAsync() => GitHub.DisposeAsync();
}
