using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Identity;

/// <summary>
/// Checks a GitHub Actions ID token: valid from <c>GITHUB_OIDC_ISSUER</c> for
/// <c>GITHUB_OIDC_AUDIENCE</c> (<see cref="OidcTokenValidator"/>), then issued to a run of this
/// deployment's repository (<c>repository</c>) and of its provisioning or deprovision workflow
/// (<c>workflow_ref</c>). A person's token fails the first step: its issuer and audience differ.
/// </summary>
internal sealed class GitHubActionsTokens(
    IOptions<CallbackSecurityOptions> callbacks,
    IOptions<GitHubOptions> gitHub,
    IOptions<DispatchOptions> dispatch,
    IHttpClientFactory clients)
{
    private readonly Lazy<OidcTokenValidator> _validator = new(() =>
        new OidcTokenValidator(callbacks.Value.Issuer, [callbacks.Value.EffectiveAudience(dispatch.Value)!], OidcTokenValidator.Client(clients)));

    public async Task<ActionsTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        switch (await _validator.Value.ValidateAsync(token, cancellationToken))
        {
            case TokenCheck.IssuerUnreachable:
                return new ActionsTokenCheck.IssuerUnreachable();
            case TokenCheck.Invalid invalid:
                return new ActionsTokenCheck.Invalid(invalid.Reason);
            case TokenCheck.Valid valid:
                return Check(valid.Identity);
            default:
                throw new InvalidOperationException("unknown token check");
        }
    }

    private ActionsTokenCheck Check(ClaimsIdentity identity)
    {
        var o = gitHub.Value;
        var repository = identity.FindFirst("repository")?.Value;
        if (!string.Equals(repository, o.RepositoryName, StringComparison.OrdinalIgnoreCase))
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run of {repository ?? "no repository"}, not of {o.RepositoryName}.");
        }

        var workflowRef = identity.FindFirst("workflow_ref")?.Value ?? "";
        bool IsOf(string file) => workflowRef.StartsWith($"{o.RepositoryName}/.github/workflows/{file}@", StringComparison.OrdinalIgnoreCase);
        Jobs.JobKind workflow;
        if (IsOf(o.WorkflowFiles[0]))
        {
            workflow = Jobs.JobKind.Provision;
        }
        else if (IsOf(o.WorkflowFiles[1]))
        {
            workflow = Jobs.JobKind.Deprovision;
        }
        else
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run of another workflow; only {string.Join(" and ", o.WorkflowFiles)} may call back.");
        }

        if (!long.TryParse(identity.FindFirst("run_id")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var runId)
            || !int.TryParse(identity.FindFirst("run_attempt")?.Value ?? "1", NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            || attempt < 1)
        {
            return new ActionsTokenCheck.Invalid("The token names no run (run_id, run_attempt).");
        }

        return new ActionsTokenCheck.Valid(new ActionsRun(runId, attempt, workflow));
    }
}

/// <summary>What a GitHub Actions ID token turned out to be.</summary>
internal abstract record ActionsTokenCheck
{
    private ActionsTokenCheck()
    {
    }

    public sealed record Valid(ActionsRun Run) : ActionsTokenCheck;

    public sealed record Invalid(string Reason) : ActionsTokenCheck;

    public sealed record IssuerUnreachable : ActionsTokenCheck;
}
