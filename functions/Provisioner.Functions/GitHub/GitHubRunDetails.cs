namespace Provisioner.Functions.GitHub;

/// <summary>The 200 answer to a dispatch with <c>return_run_details</c> (a 204 has no body). Filled by Octokit's deserialiser.</summary>
internal sealed class GitHubRunDetails
{
    public long WorkflowRunId { get; set; }
    public string? RunUrl { get; set; }
    public string? HtmlUrl { get; set; }
}
