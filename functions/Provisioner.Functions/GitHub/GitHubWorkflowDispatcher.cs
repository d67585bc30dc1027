using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Octokit;
using Polly;
using Polly.Registry;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Storage;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.GitHub;

/// <summary>
/// Dispatches <c>provision-agent.yml</c> through Octokit. The request is sent through Octokit's
/// connection rather than <c>Actions.Workflows.CreateDispatch</c> so it can ask for
/// <c>return_run_details</c>, which Octokit does not model yet; the path, auth and error
/// mapping are Octokit's.
/// </summary>
internal sealed partial class GitHubWorkflowDispatcher(
    IGitHubClient github,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<GitHubOptions> options,
    ILogger<GitHubWorkflowDispatcher> logger) : IWorkflowDispatcher
{
    private const string Accepts = "application/vnd.github+json";

    public async Task<DispatchOutcome> DispatchAsync(WorkflowInputs inputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var settings = options.Value;
        var workflow = settings.WorkflowOf(inputs.Kind);
        var path = new Uri(
            $"repos/{Uri.EscapeDataString(settings.Owner!)}/{Uri.EscapeDataString(settings.Repo!)}/actions/workflows/{Uri.EscapeDataString(workflow)}/dispatches",
            UriKind.Relative);
        var workflowInputs = inputs.Kind == Jobs.JobKind.Deprovision
            ? new Dictionary<string, object>
            {
                ["job_id"] = inputs.JobId.ToString("D"),
                ["agent_id"] = inputs.AgentId,
                ["server_id"] = inputs.ServerId ?? "",
                ["callback_url"] = inputs.CallbackUrl.AbsoluteUri,
            }
            : new Dictionary<string, object>
            {
                ["job_id"] = inputs.JobId.ToString("D"),
                ["agent_id"] = inputs.AgentId,
                ["region"] = inputs.Region,
                ["callback_url"] = inputs.CallbackUrl.AbsoluteUri,
            };
        if (inputs.Traceparent is { } traceparent)
        {
            // Only when traced: a workflow at a ref that does not declare the input still accepts the dispatch otherwise.
            workflowInputs["traceparent"] = traceparent;
        }

        if (inputs.Kind == Jobs.JobKind.Provision)
        {
            ResumeInputs.AddTo(workflowInputs, inputs);
        }
        var request = new DispatchRequest(settings.Ref, workflowInputs, settings.ReturnRunDetails ? true : null);

        try
        {
            var response = await pipelines.GetPipeline(GitHubResilience.PipelineName).ExecuteAsync(
                // The pipeline's per-attempt timeout cancels the token: the one place the attempt time-out is set.
                async token => await github.Connection.Post<GitHubRunDetails>(path, request, Accepts, "application/json", parameters: null, token),
                cancellationToken);
            var details = response.Body;
            var runId = details is { WorkflowRunId: > 0 } ? details.WorkflowRunId.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            LogDispatched(logger, inputs.JobId, settings.RepositoryName, workflow, runId);
            return new DispatchOutcome.Dispatched(runId, details?.HtmlUrl);
        }
        catch (ApiException e) when (GitHubResilience.IsPermanent(e))
        {
            var message = Explain(e, settings, inputs.Kind);
            LogRejected(logger, inputs.JobId, (int)e.StatusCode, message, e);
            return new DispatchOutcome.Rejected(message);
        }
    }

    /// <summary>What the operator must fix, in words that name the setting.</summary>
    private static string Explain(ApiException e, GitHubOptions o, Jobs.JobKind kind)
    {
        var workflow = o.WorkflowOf(kind);
        var setting = kind == Jobs.JobKind.Deprovision ? GitHubOptions.DeprovisionWorkflowSetting : GitHubOptions.WorkflowSetting;
        var declared = kind == Jobs.JobKind.Deprovision
            ? "job_id, agent_id, server_id and callback_url"
            : "job_id, agent_id, region, callback_url and keep_failed_server_minutes (resume_from and server_id for a re-run from the failed step)";
        var where = $"workflow {workflow} in {o.RepositoryName} on {o.Ref}";
        var github = string.IsNullOrWhiteSpace(e.ApiError?.Message) ? "" : $" GitHub said: \"{e.ApiError.Message}\".";
        return e.StatusCode switch
        {
            HttpStatusCode.Unauthorized => $"GitHub refused the token (401) when dispatching {where}: set {GitHubOptions.TokenSetting} to a valid token.{github}",
            HttpStatusCode.Forbidden => $"The token may not dispatch {where} (403): give it the actions: write permission on {o.RepositoryName}.{github}",
            HttpStatusCode.NotFound => $"Workflow {workflow} not found in {o.RepositoryName} (404): check {GitHubOptions.OwnerSetting}, {GitHubOptions.RepoSetting} and {setting}, and that the token can see the repository.{github}",
            HttpStatusCode.UnprocessableEntity => $"GitHub refused the dispatch of {where} (422): check that {GitHubOptions.RefSetting} names a branch or tag that has the workflow, that the workflow has a workflow_dispatch trigger, and that it declares the inputs {declared}.{github}",
            _ => $"GitHub refused the dispatch of {where} ({(int)e.StatusCode}).{github}",
        };
    }

    /// <summary>Serialised by Octokit in snake_case: <c>ref</c>, <c>inputs</c>, <c>return_run_details</c>.</summary>
    private sealed record DispatchRequest(string Ref, IDictionary<string, object> Inputs, bool? ReturnRunDetails);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: dispatched {Workflow} in {Repository} (run {RunId})")]
    private static partial void LogDispatched(ILogger logger, Guid jobId, string repository, string workflow, string? runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: GitHub refused the dispatch ({StatusCode}): {Message}")]
    private static partial void LogRejected(ILogger logger, Guid jobId, int statusCode, string message, Exception exception);
}
