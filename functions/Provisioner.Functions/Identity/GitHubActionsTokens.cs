using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Identity;

/// <summary>
/// Checks a GitHub Actions ID token: valid from <c>GITHUB_OIDC_ISSUER</c> for
/// <c>GITHUB_OIDC_AUDIENCE</c> (<see cref="OidcTokenValidator"/>), then issued to a run of this
/// deployment's repository (<c>repository</c>) and of its provisioning or deprovision workflow
/// (<c>job_workflow_ref</c>, else <c>workflow_ref</c>), at the ref the backend dispatches from
/// (<c>ref</c>), started by a dispatch (<c>event_name</c>), and of the repository's and owner's
/// ids when they are configured (<c>repository_id</c>, <c>repository_owner_id</c>); each refusal
/// names the claim (docs/identity.md, "Workflow runs"). A person's token fails the first step:
/// its issuer and audience differ.
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
        string? Claim(string type) => identity.FindFirst(type)?.Value;

        var repository = Claim("repository");
        if (!string.Equals(repository, o.RepositoryName, StringComparison.OrdinalIgnoreCase))
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run of {repository ?? "no repository"}, not of {o.RepositoryName} (claim repository).");
        }

        // Ids outlive renames: a repository deleted and created again under the same name has another id.
        if ((Mismatch("repository_id", o.RepositoryId) ?? Mismatch("repository_owner_id", o.RepositoryOwnerId)) is { } idRefusal)
        {
            return idRefusal;
        }

        // Only the ref the backend dispatches from: a run of another branch, a tag or a pull request runs code nobody reviewed for this deployment.
        var expectedRef = o.FullRef;
        if (Claim("ref") is var @ref && !string.Equals(@ref, expectedRef, StringComparison.Ordinal))
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run on {@ref ?? "no ref"}, not on {expectedRef} ({GitHubOptions.RefSetting}) (claim ref).");
        }

        if (Claim("event_name") is var eventName && eventName != "workflow_dispatch")
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run started by {eventName ?? "no event"}; only a run this service dispatched (workflow_dispatch) may call back (claim event_name).");
        }

        // job_workflow_ref names the file the job's steps come from (a reusable workflow's, when one is called); workflow_ref the run's own.
        var (claim, workflowRef) = Claim("job_workflow_ref") is { Length: > 0 } job ? ("job_workflow_ref", job) : ("workflow_ref", Claim("workflow_ref") ?? "");
        bool Is(string file) => string.Equals(workflowRef, $"{o.RepositoryName}/.github/workflows/{file}@{expectedRef}", StringComparison.OrdinalIgnoreCase);
        Jobs.JobKind workflow;
        if (Is(o.WorkflowFiles[0]))
        {
            workflow = Jobs.JobKind.Provision;
        }
        else if (Is(o.WorkflowFiles[1]))
        {
            workflow = Jobs.JobKind.Deprovision;
        }
        else
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run of another workflow or ref; only {string.Join(" and ", o.WorkflowFiles)} at {expectedRef} may call back (claim {claim}).");
        }

        if (!long.TryParse(Claim("run_id"), NumberStyles.None, CultureInfo.InvariantCulture, out var runId)
            || !int.TryParse(Claim("run_attempt") ?? "1", NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            || attempt < 1)
        {
            return new ActionsTokenCheck.Invalid("The token names no run (claims run_id, run_attempt).");
        }

        // A token is good once (docs/identity.md, "Single use"): without an id it could not be told from its replay.
        if (Claim("jti") is not { Length: > 0 and <= 200 } tokenId
            || !long.TryParse(Claim("exp"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return new ActionsTokenCheck.Invalid("The token carries no id or expiry (claims jti, exp), so its replay could not be told from it.");
        }

        return new ActionsTokenCheck.Valid(new ActionsRun(runId, attempt, workflow), new ActionsTokenUse(tokenId, DateTimeOffset.FromUnixTimeSeconds(expires)));

        ActionsTokenCheck.Invalid? Mismatch(string type, string? expected) =>
            string.IsNullOrWhiteSpace(expected) || string.Equals(Claim(type), expected.Trim(), StringComparison.Ordinal)
                ? null
                : new ActionsTokenCheck.Invalid($"The token was issued to a run of repository {Claim("repository")} whose {type} is {Claim(type) ?? "missing"}, not {expected.Trim()} (claim {type}).");
    }
}

/// <summary>What a GitHub Actions ID token turned out to be.</summary>
internal abstract record ActionsTokenCheck
{
    private ActionsTokenCheck()
    {
    }

    public sealed record Valid(ActionsRun Run, ActionsTokenUse Use) : ActionsTokenCheck;

    public sealed record Invalid(string Reason) : ActionsTokenCheck;

    public sealed record IssuerUnreachable : ActionsTokenCheck;
}
