using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The repository that holds the workflows, and how to reach GitHub's API: read by dispatch,
/// reconcile and cancel, and by the check of the workflow's GitHub Actions tokens
/// (docs/configuration.md, "GitHub").
/// </summary>
public sealed class GitHubOptions
{
    public const string TokenSetting = "GITHUB_TOKEN";
    public const string OwnerSetting = "GITHUB_OWNER";
    public const string RepoSetting = "GITHUB_REPO";
    public const string WorkflowSetting = "GITHUB_WORKFLOW";
    public const string RefSetting = "GITHUB_REF";
    public const string ApiUrlSetting = "GITHUB_API_URL";
    public const string ReturnRunDetailsSetting = "GITHUB_RETURN_RUN_DETAILS";
    public const string DeprovisionWorkflowSetting = "GITHUB_DEPROVISION_WORKFLOW";
    public const string RepositoryIdSetting = "GITHUB_REPOSITORY_ID";
    public const string RepositoryOwnerIdSetting = "GITHUB_REPOSITORY_OWNER_ID";
    public const string WorkflowModeSetting = "WORKFLOW_MODE";

    /// <summary>The value of <c>WORKFLOW_MODE</c> that asks for the simulated workflow by name.</summary>
    public const string SimulatedMode = "simulated";

    /// <summary>The workflow that tears agents down, when <c>GITHUB_DEPROVISION_WORKFLOW</c> is not set.</summary>
    public const string DefaultDeprovisionWorkflow = "deprovision-agent.yml";

    /// <summary>A token with <c>actions: write</c> on the repository. Empty: the simulated workflow plays the run.</summary>
    [ConfigurationKeyName(TokenSetting)]
    public string? Token { get; set; }

    [ConfigurationKeyName(OwnerSetting)]
    public string? Owner { get; set; }

    [ConfigurationKeyName(RepoSetting)]
    public string? Repo { get; set; }

    /// <summary>The workflow file a provision job dispatches.</summary>
    [ConfigurationKeyName(WorkflowSetting)]
    public string Workflow { get; set; } = "provision-agent.yml";

    /// <summary>The workflow file a deprovision job dispatches (docs/lifecycle.md, "Tear down").</summary>
    [ConfigurationKeyName(DeprovisionWorkflowSetting)]
    public string DeprovisionWorkflow { get; set; } = DefaultDeprovisionWorkflow;

    /// <summary>The workflow file a job of <paramref name="kind"/> dispatches.</summary>
    internal string WorkflowOf(Jobs.JobKind kind) =>
        kind != Jobs.JobKind.Deprovision ? Workflow
        : string.IsNullOrWhiteSpace(DeprovisionWorkflow) ? DefaultDeprovisionWorkflow
        : DeprovisionWorkflow;

    /// <summary>The workflow files whose runs may call back: <c>GITHUB_WORKFLOW</c> and the deprovision workflow.</summary>
    public IReadOnlyList<string> WorkflowFiles => [Workflow, WorkflowOf(Jobs.JobKind.Deprovision)];

    /// <summary>The branch or tag the workflow runs from.</summary>
    [ConfigurationKeyName(RefSetting)]
    public string Ref { get; set; } = "main";

    /// <summary>
    /// The ref a workflow run's token must name (<c>ref</c>, and after the <c>@</c> of
    /// <c>job_workflow_ref</c>): <see cref="Ref"/> when it is already a full ref (<c>refs/heads/…</c>,
    /// <c>refs/tags/…</c>), else the branch of that name.
    /// </summary>
    public string FullRef => (Ref ?? "").Trim() is var r && r.StartsWith("refs/", StringComparison.Ordinal) ? r : $"refs/heads/{r}";

    /// <summary>The repository's numeric id (<c>repository_id</c> in a run's token); kept when the repository is renamed. Unset: not checked.</summary>
    [ConfigurationKeyName(RepositoryIdSetting)]
    public string? RepositoryId { get; set; }

    /// <summary>The owner's numeric id (<c>repository_owner_id</c>); kept when the owner is renamed. Unset: not checked.</summary>
    [ConfigurationKeyName(RepositoryOwnerIdSetting)]
    public string? RepositoryOwnerId { get; set; }

    [ConfigurationKeyName(ApiUrlSetting)]
    public Uri ApiUrl { get; set; } = new("https://api.github.com/");

    /// <summary>Ask GitHub for the run id in the dispatch answer (<c>return_run_details</c>); a server that does not know it answers 204 as before.</summary>
    [ConfigurationKeyName(ReturnRunDetailsSetting)]
    public bool ReturnRunDetails { get; set; } = true;

    /// <summary>
    /// <c>simulated</c> asks for the simulated workflow by name; outside development that is the
    /// only way to run without <c>GITHUB_TOKEN</c> (docs/configuration.md, "Simulated workflow").
    /// Empty: GitHub when a token is set, else (in development) the simulated workflow.
    /// </summary>
    [ConfigurationKeyName(WorkflowModeSetting)]
    public string? WorkflowMode { get; set; }

    /// <summary>Whether the simulated workflow was asked for by name (<c>WORKFLOW_MODE=simulated</c>).</summary>
    public bool SimulatedByName => string.Equals(WorkflowMode?.Trim(), SimulatedMode, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether jobs go to GitHub; without a token the simulated workflow plays them.</summary>
    public bool UsesGitHub => !string.IsNullOrWhiteSpace(Token);

    /// <summary>The GitHub API base as a folder ('/' at the end), so paths are added to it rather than replacing its last segment.</summary>
    public Uri ApiBaseUrl => ApiUrl.AbsoluteUri.EndsWith('/') ? ApiUrl : new Uri(ApiUrl.AbsoluteUri + "/");

    public string RepositoryName => $"{Owner}/{Repo}";
}
