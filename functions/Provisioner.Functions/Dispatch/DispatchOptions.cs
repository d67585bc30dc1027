namespace Provisioner.Functions.Dispatch;

/// <summary>Where and how jobs are dispatched (CONTRACT.md section 3; README "Configuration").</summary>
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

    /// <summary>A token with <c>actions: write</c> on the repository. Empty: the simulated workflow plays the run.</summary>
    public string? Token { get; set; }
    public string? Owner { get; set; }
    public string? Repo { get; set; }
    public string Workflow { get; set; } = "provision-agent.yml";
    public string Ref { get; set; } = "main";
    public Uri ApiUrl { get; set; } = new("https://api.github.com/");

    /// <summary>The app's public address; the workflow's <c>callback_url</c> is built from it.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Ask GitHub for the run id in the dispatch answer (<c>return_run_details</c>); a server that does not know it answers 204 as before.</summary>
    public bool ReturnRunDetails { get; set; } = true;

    /// <summary>Retries inside one delivery of a queue message; the queue's redelivery multiplies them (README "Dispatch").</summary>
    public int RetryAttempts { get; set; } = 3;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A Retry-After or rate-limit reset longer than this is not waited out in the function: the queue redelivers later.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public bool UsesGitHub => !string.IsNullOrWhiteSpace(Token);

    public Uri CallbackUrl => new(PublicBaseUrl ?? throw new InvalidOperationException($"{PublicBaseUrlSetting} is not set."), "api/webhooks/github");

    public string RepositoryName => $"{Owner}/{Repo}";
}
