using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Dispatch;

/// <summary>Where and how jobs are dispatched (docs/api.md, "Dispatch"; docs/configuration.md).</summary>
public sealed class DispatchOptions
{
    public const string TokenSetting = "GITHUB_TOKEN";
    public const string OwnerSetting = "GITHUB_OWNER";
    public const string RepoSetting = "GITHUB_REPO";
    public const string WorkflowSetting = "GITHUB_WORKFLOW";
    public const string RefSetting = "GITHUB_REF";
    public const string ApiUrlSetting = "GITHUB_API_URL";
    public const string PublicBaseUrlSetting = "PUBLIC_BASE_URL";
    public const string ReturnRunDetailsSetting = "GITHUB_RETURN_RUN_DETAILS";
    public const string RetryAttemptsSetting = "DISPATCH_RETRY_ATTEMPTS";
    public const string RetryBaseDelaySetting = "DISPATCH_RETRY_BASE_DELAY_SECONDS";
    public const string DeprovisionWorkflowSetting = "GITHUB_DEPROVISION_WORKFLOW";

    /// <summary>A token with <c>actions: write</c> on the repository. Empty: the simulated workflow plays the run.</summary>
    [ConfigurationKeyName(TokenSetting)]
    public string? Token { get; set; }
    [ConfigurationKeyName(OwnerSetting)]
    public string? Owner { get; set; }
    [ConfigurationKeyName(RepoSetting)]
    public string? Repo { get; set; }
    [ConfigurationKeyName(WorkflowSetting)]
    public string Workflow { get; set; } = "provision-agent.yml";
    /// <summary>The workflow file a deprovision job dispatches (docs/lifecycle.md, "Tear down").</summary>
    [ConfigurationKeyName(DeprovisionWorkflowSetting)]
    public string DeprovisionWorkflow { get; set; } = Identity.GitHubOidcOptions.DeprovisionWorkflow;

    /// <summary>The workflow file a job of <paramref name="kind"/> dispatches.</summary>
    public string WorkflowOf(Jobs.JobKind kind) =>
        kind != Jobs.JobKind.Deprovision ? Workflow
        : string.IsNullOrWhiteSpace(DeprovisionWorkflow) ? Identity.GitHubOidcOptions.DeprovisionWorkflow
        : DeprovisionWorkflow;

    [ConfigurationKeyName(RefSetting)]
    public string Ref { get; set; } = "main";
    [ConfigurationKeyName(ApiUrlSetting)]
    public Uri ApiUrl { get; set; } = new("https://api.github.com/");

    /// <summary>The app's public address; the workflow's <c>callback_url</c> is built from it.</summary>
    [ConfigurationKeyName(PublicBaseUrlSetting)]
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Ask GitHub for the run id in the dispatch answer (<c>return_run_details</c>); a server that does not know it answers 204 as before.</summary>
    [ConfigurationKeyName(ReturnRunDetailsSetting)]
    public bool ReturnRunDetails { get; set; } = true;

    /// <summary>Retries inside one delivery of a queue message; the queue's redelivery multiplies them (docs/dispatch.md).</summary>
    [ConfigurationKeyName(RetryAttemptsSetting)]
    public int RetryAttempts { get; set; } = 3;

    [ConfigurationKeyName(RetryBaseDelaySetting)]
    public double RetryBaseDelaySeconds { get; set; } = 2;

    public TimeSpan RetryBaseDelay => TimeSpan.FromSeconds(RetryBaseDelaySeconds);

    /// <summary>A Retry-After or rate-limit reset longer than this is not waited out in the function: the queue redelivers later.</summary>
    public TimeSpan MaxRetryAfter { get; } = TimeSpan.FromSeconds(60);

    public TimeSpan AttemptTimeout { get; } = TimeSpan.FromSeconds(20);

    public bool UsesGitHub => !string.IsNullOrWhiteSpace(Token);

    /// <summary>The webhook under <see cref="PublicBaseUrl"/>, whether or not that ends in '/'.</summary>
    public Uri CallbackUrl => new(Under(PublicBaseUrl ?? throw new InvalidOperationException($"{PublicBaseUrlSetting} is not set.")), "api/webhooks/github");

    /// <summary>The GitHub API base as a folder ('/' at the end), so paths are added to it rather than replacing its last segment.</summary>
    public Uri ApiBaseUrl => Under(ApiUrl);

    private static Uri Under(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    public string RepositoryName => $"{Owner}/{Repo}";
}
