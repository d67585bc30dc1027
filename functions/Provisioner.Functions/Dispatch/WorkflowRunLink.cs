using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Dispatch;

/// <summary>
/// The web address of a workflow run, built from the repository settings when the workflow
/// did not send one (older workflows claim with the run id only).
/// </summary>
internal static class WorkflowRunLink
{
    /// <summary>
    /// <c>{web}/{owner}/{repo}/actions/runs/{id}</c> (and <c>/attempts/{n}</c> for a re-run,
    /// whose id this project's workflow sends as <c>{id}.{n}</c>); null when the owner or
    /// repository is not configured (the simulated workflow) or the id is not a GitHub run id.
    /// </summary>
    public static string? For(GitHubOptions options, string runId)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runId);
        if (string.IsNullOrWhiteSpace(options.Owner) || string.IsNullOrWhiteSpace(options.Repo))
        {
            return null;
        }

        var parts = runId.Split('.');
        if (parts.Length > 2 || !parts.All(p => p.Length is > 0 and <= 20 && p.All(char.IsAsciiDigit)))
        {
            return null;
        }

        var run = $"{WebUrl(options.ApiUrl).AbsoluteUri}{Uri.EscapeDataString(options.Owner.Trim())}/{Uri.EscapeDataString(options.Repo.Trim())}/actions/runs/{parts[0]}";
        return parts.Length == 2 ? $"{run}/attempts/{parts[1]}" : run;
    }

    /// <summary>
    /// The web root that goes with an API address: <c>api.github.com</c> → <c>github.com</c>;
    /// GHE.com data residency <c>api.SUBDOMAIN.ghe.com</c> → <c>SUBDOMAIN.ghe.com</c>; GitHub
    /// Enterprise Server <c>HOST/api/v3/</c> → <c>HOST</c>. The answer ends in a slash.
    /// </summary>
    public static Uri WebUrl(Uri apiUrl)
    {
        ArgumentNullException.ThrowIfNull(apiUrl);
        var host = apiUrl.Host;
        if (host == "api.github.com")
        {
            host = "github.com";
        }
        else if (host.StartsWith("api.", StringComparison.Ordinal) && host.EndsWith(".ghe.com", StringComparison.Ordinal) && host.Length > "api..ghe.com".Length)
        {
            host = host["api.".Length..];
        }

        return new UriBuilder(apiUrl.Scheme, host, apiUrl.IsDefaultPort ? -1 : apiUrl.Port).Uri;
    }
}
