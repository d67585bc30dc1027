using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Octokit;
using Polly;
using Polly.Registry;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Lifecycle;

namespace Provisioner.Functions.GitHub;

/// <summary>
/// Cancels a workflow run through Octokit (<c>POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel</c>)
/// under the same resilience pipeline as the dispatch: transient failures are retried, then thrown
/// so the queue delivers the message again.
/// </summary>
internal sealed partial class GitHubRunCanceller(
    IGitHubClient github,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<GitHubOptions> options,
    ILogger<GitHubRunCanceller> logger) : IWorkflowRunCanceller
{
    public async Task<bool> CancelAsync(string runId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!long.TryParse(runId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            LogNotARun(logger, runId);
            return false;
        }

        try
        {
            await pipelines.GetPipeline(GitHubResilience.PipelineName).ExecuteAsync(
                async _ => await github.Actions.Workflows.Runs.Cancel(settings.Owner!, settings.Repo!, id),
                cancellationToken);
            return true;
        }
        catch (ApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            return true; // GitHub: the run has completed already, nothing left to stop
        }
        catch (ApiException e) when (GitHubResilience.IsPermanent(e))
        {
            LogRefused(logger, runId, (int)e.StatusCode, e);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow run id {RunId} is not a GitHub run id: nothing to cancel there")]
    private static partial void LogNotARun(ILogger logger, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "GitHub refused to cancel workflow run {RunId} ({StatusCode}); the sweeper ends the job if its clean-up never reports")]
    private static partial void LogRefused(ILogger logger, string runId, int statusCode, Exception exception);
}
