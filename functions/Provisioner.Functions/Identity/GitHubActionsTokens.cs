using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
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

    /// <summary>The reaper's workflow file: its runs' tokens may list and read jobs (<see cref="Access.JobReader"/>) and nothing else.</summary>
    public const string ReaperWorkflowFile = "reap-agents.yml";

    /// <summary>The events a reaper run starts by: its schedule, or a person starting it by hand.</summary>
    private static readonly string[] ReaperEvents = ["schedule", "workflow_dispatch"];

    /// <summary>
    /// Checks a reaper run's token: the same issuer, audience, repository, ids and ref as a
    /// callback's, started by <c>schedule</c> or <c>workflow_dispatch</c>, of
    /// <see cref="ReaperWorkflowFile"/> at that ref. Valid: an identity holding <see cref="AppRoles.Reaper"/> only.
    /// Null when the token is not a valid token of <c>GITHUB_OIDC_ISSUER</c> at all (a person's, say),
    /// so the caller answers with its own reason; GitHub's keys are fetched only for a token that names GitHub as its issuer.
    /// </summary>
    public async Task<TokenCheck?> ValidateReaperAsync(string token, CancellationToken cancellationToken)
    {
        if (!NamesGitHubAsIssuer(token) || string.IsNullOrWhiteSpace(callbacks.Value.EffectiveAudience(dispatch.Value)))
        {
            return null;
        }

        if (await _validator.Value.ValidateAsync(token, cancellationToken) is not TokenCheck.Valid valid)
        {
            return null;
        }

        var o = gitHub.Value;
        if (PinRefusal(valid.Identity, ReaperEvents, [ReaperWorkflowFile], out _) is { } refusal)
        {
            return new TokenCheck.Invalid(refusal.Reason);
        }

        var reaper = new ClaimsIdentity([new Claim("name", $"{o.RepositoryName}/{ReaperWorkflowFile} run {valid.Identity.FindFirst("run_id")?.Value}"), new Claim(AppRoles.ClaimType, AppRoles.Reaper)], "github-actions", "name", AppRoles.ClaimType);
        return new TokenCheck.Valid(reaper);
    }

    private bool NamesGitHubAsIssuer(string token)
    {
        try
        {
            return new JsonWebToken(token).Issuer is { Length: > 0 } issuer
                && string.Equals(issuer.TrimEnd('/'), callbacks.Value.Issuer.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Null when the token is of this repository (and its ids), at the dispatch ref, started by one of <paramref name="events"/>, of one of <paramref name="files"/> (its index in <paramref name="file"/>).</summary>
    private ActionsTokenCheck.Invalid? PinRefusal(ClaimsIdentity identity, string[] events, string[] files, out int file)
    {
        var o = gitHub.Value;
        string? Claim(string type) => identity.FindFirst(type)?.Value;
        file = -1;

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

        if (Claim("event_name") is var eventName && !events.Contains(eventName, StringComparer.Ordinal))
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run started by {eventName ?? "no event"}; only a run started by {string.Join(" or ", events)} is accepted here (claim event_name).");
        }

        // job_workflow_ref names the file the job's steps come from (a reusable workflow's, when one is called); workflow_ref the run's own.
        var (claim, workflowRef) = Claim("job_workflow_ref") is { Length: > 0 } job ? ("job_workflow_ref", job) : ("workflow_ref", Claim("workflow_ref") ?? "");
        file = Array.FindIndex(files, f => string.Equals(workflowRef, $"{o.RepositoryName}/.github/workflows/{f}@{expectedRef}", StringComparison.OrdinalIgnoreCase));
        if (file < 0)
        {
            return new ActionsTokenCheck.Invalid($"The token was issued to a run of another workflow or ref; only {string.Join(" and ", files)} at {expectedRef} is accepted here (claim {claim}).");
        }

        return null;

        ActionsTokenCheck.Invalid? Mismatch(string type, string? expected) =>
            string.IsNullOrWhiteSpace(expected) || string.Equals(Claim(type), expected.Trim(), StringComparison.Ordinal)
                ? null
                : new ActionsTokenCheck.Invalid($"The token was issued to a run of repository {Claim("repository")} whose {type} is {Claim(type) ?? "missing"}, not {expected.Trim()} (claim {type}).");
    }

    private ActionsTokenCheck Check(ClaimsIdentity identity)
    {
        var o = gitHub.Value;
        string? Claim(string type) => identity.FindFirst(type)?.Value;
        if (PinRefusal(identity, ["workflow_dispatch"], [o.WorkflowFiles[0], o.WorkflowFiles[1]], out var file) is { } refusal)
        {
            return refusal;
        }

        var workflow = file == 0 ? Jobs.JobKind.Provision : Jobs.JobKind.Deprovision;

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
