using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Identity;

/// <summary>How the workflow's GitHub Actions ID tokens are checked (docs/identity.md, "Workflow runs").</summary>
public sealed class GitHubOidcOptions
{
    public const string ModeSetting = "CALLBACK_AUTH";
    public const string IssuerSetting = "GITHUB_OIDC_ISSUER";
    public const string AudienceSetting = "GITHUB_OIDC_AUDIENCE";

    /// <summary>The workflow that tears agents down; its runs may report on a job too.</summary>
    public const string DeprovisionWorkflow = "deprovision-agent.yml";

    [ConfigurationKeyName(ModeSetting)]
    public CallbackAuthMode Mode { get; set; } = CallbackAuthMode.Hmac;

    /// <summary>github.com's issuer; GitHub Enterprise Server's is <c>https://HOST/_services/token</c>.</summary>
    [ConfigurationKeyName(IssuerSetting)]
    public Uri Issuer { get; set; } = new("https://token.actions.githubusercontent.com");

    /// <summary>The audience the workflow asks its token for; unset, <see cref="PublicBaseUrl"/> as configured.</summary>
    [ConfigurationKeyName(AudienceSetting)]
    public string? Audience { get; set; }

    [ConfigurationKeyName("PUBLIC_BASE_URL")]
    public string? PublicBaseUrl { get; set; }

    [ConfigurationKeyName("GITHUB_OWNER")]
    public string? Owner { get; set; }

    [ConfigurationKeyName("GITHUB_REPO")]
    public string? Repo { get; set; }

    [ConfigurationKeyName("GITHUB_WORKFLOW")]
    public string Workflow { get; set; } = "provision-agent.yml";

    public bool AcceptsTokens => Mode is CallbackAuthMode.Oidc or CallbackAuthMode.Any;

    public bool AcceptsSignatures => Mode is CallbackAuthMode.Hmac or CallbackAuthMode.Any;

    public string? EffectiveAudience => string.IsNullOrWhiteSpace(Audience) ? PublicBaseUrl : Audience;

    public string Repository => $"{Owner}/{Repo}";

    /// <summary>The workflow files whose runs may call back: <c>GITHUB_WORKFLOW</c> and the deprovision workflow.</summary>
    public IReadOnlyList<string> WorkflowFiles => [Workflow, string.IsNullOrWhiteSpace(DeprovisionWorkflowFile) ? DeprovisionWorkflow : DeprovisionWorkflowFile];

    /// <summary>The deprovision workflow's file, as dispatched (<c>GITHUB_DEPROVISION_WORKFLOW</c>).</summary>
    [ConfigurationKeyName("GITHUB_DEPROVISION_WORKFLOW")]
    public string? DeprovisionWorkflowFile { get; set; }
}
