using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Reconcile;

/// <summary>
/// Workflow runs, their jobs and steps, served by a <see cref="FakeGitHub"/> the way the GitHub
/// REST API shapes them (runs by id and attempt, the workflow's run list, a run's jobs), each
/// answer with an ETag over its body so conditional requests get <c>304</c>.
/// </summary>
public sealed partial class FakeRuns
{
    public const string Repo = "/api/v3/repos/octo/infra";

    private readonly ConcurrentDictionary<long, Run> _runs = new();

    public FakeRuns(FakeGitHub github)
    {
        ArgumentNullException.ThrowIfNull(github);
        github.Route = Answer;
    }

    /// <summary>A run as GitHub has it; <see cref="FailedStep"/> is the provisioning job's step that ended it.</summary>
    public sealed record Run(long Id, string DisplayTitle, string Status, string? Conclusion, string? FailedStep = null, string StepConclusion = "failure");

    public void Set(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        _runs[run.Id] = run;
    }

    public static string JobLogUrl(long runId) => $"https://github.com/octo/infra/actions/runs/{runId}/job/{runId * 10}";

    private FakeGitHub.Answer? Answer(FakeGitHub.Request request)
    {
        if (request.Path == $"{Repo}/actions/workflows/provision-agent.yml/runs")
        {
            return Json(new { total_count = _runs.Count, workflow_runs = _runs.Values.OrderByDescending(r => r.Id).Select(RunJson).ToArray() });
        }

        var match = RunPath().Match(request.Path);
        if (!match.Success || !_runs.TryGetValue(long.Parse(match.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), out var run))
        {
            return new FakeGitHub.Answer(404, "{\"message\":\"Not Found\"}");
        }

        return match.Groups["jobs"].Success ? Json(new { total_count = 2, jobs = JobsJson(run) }) : Json(RunJson(run));
    }

    private static object RunJson(Run run) => new
    {
        id = run.Id,
        name = "provision-agent",
        display_title = run.DisplayTitle,
        @event = "workflow_dispatch",
        status = run.Status,
        conclusion = run.Conclusion,
        html_url = $"https://github.com/octo/infra/actions/runs/{run.Id}",
    };

    private static object[] JobsJson(Run run)
    {
        string[] names =
        [
            "Set up job", "Check out the scripts and playbooks", "Check the inputs", "Name the attempt", "Claim the job", "Start the heartbeat",
            "Set up Ansible on the runner", "Join the tailnet (the server's SSH is reachable only there)", "Create the server", "Report vm_created",
            "Install dependencies on the server", "Report ansible_started", "Configure the agent", "Report ansible_complete", "Stop the heartbeat", "Report running",
        ];
        var failedAt = run.FailedStep is null ? -1 : Array.IndexOf(names, run.FailedStep);
        var steps = names.Select((name, i) => new
        {
            name,
            number = i + 1,
            status = "completed",
            conclusion = failedAt < 0 ? run.Conclusion == "success" ? "success" : "skipped" : i < failedAt ? "success" : i == failedAt ? run.StepConclusion : "skipped",
        }).ToArray();
        return
        [
            new { id = run.Id * 10, name = "Provision", status = "completed", conclusion = run.Conclusion, html_url = JobLogUrl(run.Id), steps },
            new { id = run.Id * 10 + 1, name = "Clean up and report the failure", status = "completed", conclusion = "failure", html_url = $"https://github.com/octo/infra/actions/runs/{run.Id}/job/{run.Id * 10 + 1}", steps = new[] { new { name = "Report the failure", number = 1, status = "completed", conclusion = "failure" } } },
        ];
    }

    private static FakeGitHub.Answer Json(object value)
    {
        var body = JsonSerializer.Serialize(value);
        var etag = "\"" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16].ToLowerInvariant() + "\"";
        return new FakeGitHub.Answer(200, body, new Dictionary<string, string> { ["ETag"] = etag, ["x-ratelimit-remaining"] = "4999" });
    }

    [GeneratedRegex(@"^/api/v3/repos/octo/infra/actions/runs/(?<id>\d+)(/attempts/\d+)?(?<jobs>/jobs)?$")]
    private static partial Regex RunPath();
}
