using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>What proved a callback's sender, or the answer that refuses it.</summary>
internal sealed record CallbackProof
{
    /// <summary>Set when the callback is refused: the 401 (or 503) to send.</summary>
    public IResult? Refusal { get; init; }

    /// <summary>How it was proven, as kept with the callback row: <c>standard-webhooks-v1</c>, <c>legacy-x-signature</c> or <c>github-oidc</c>.</summary>
    public string Scheme { get; init; } = "";

    /// <summary>The sender's id for this callback (<c>webhook-id</c>), which makes a resend recognisable.</summary>
    public string? WebhookId { get; init; }

    /// <summary>The run a GitHub Actions token proved; null for a signature.</summary>
    public ActionsRun? Run { get; init; }

    /// <summary>The token's id and expiry, by which its single use is kept; null for a signature.</summary>
    public ActionsTokenUse? Use { get; init; }

    /// <summary>
    /// The callback as the proof lets it stand. A token binds the callback to its run: a body
    /// without <c>workflow_run_id</c> gets the token's, so the first callback claims the job for
    /// that run once it is proven to be the job's (<see cref="CallbackAuthenticator.AdmitAsync"/>);
    /// a body that names a run the token does not cover
    /// is refused (null), as the token does not prove it.
    /// </summary>
    public Callback? Bind(Callback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (Run is null)
        {
            return callback;
        }

        if (callback.WorkflowRunId is null)
        {
            return callback with { WorkflowRunId = Run.ClaimId };
        }

        return Run.Covers(callback.WorkflowRunId) ? callback : null;
    }
}
