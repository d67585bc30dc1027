using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>
/// Decides, by <c>CALLBACK_AUTH</c>, what proves a callback: <c>hmac</c>, the shared secret's
/// signature (an <c>Authorization</c> header is not looked at); <c>oidc</c>, the run's GitHub
/// Actions ID token as <c>Authorization: Bearer</c> (signatures are not looked at); <c>any</c>,
/// the token when one is sent (an invalid one is refused, not passed over for the signature),
/// else the signature. A token is then admitted for the job its callback names only once
/// (<see cref="AdmitAsync"/>): its id unused, its run the job's.
/// </summary>
internal sealed partial class CallbackAuthenticator(
    IOptions<CallbackSecurityOptions> options,
    IServiceProvider services,
    GitHubActionsTokens tokens,
    UsedTokens usedTokens,
    DispatchedRunCheck dispatchedRun,
    ILogger<CallbackAuthenticator> logger)
{
    public const string OidcScheme = "github-oidc";

    public async Task<CallbackProof> AuthenticateAsync(HttpRequest request, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mode = options.Value.Mode;
        var webhookId = JoinedHeader(request, SignatureHeaders.WebhookIdName);
        if (mode == CallbackAuthMode.Oidc || (mode == CallbackAuthMode.Any && BearerToken.IsPresent(request)))
        {
            return await ByTokenAsync(request, webhookId, cancellationToken);
        }

        var headers = new SignatureHeaders(
            JoinedHeader(request, SignatureHeaders.XSignatureName),
            webhookId,
            JoinedHeader(request, SignatureHeaders.WebhookTimestampName),
            JoinedHeader(request, SignatureHeaders.WebhookSignatureName));

        // Resolved here, not injected: with CALLBACK_AUTH=oidc there may be no secret to build it from.
        var check = services.GetService(typeof(CallbackSignatureVerifier)) is CallbackSignatureVerifier verifier
            ? verifier.Verify(headers, body.Span)
            : new SignatureCheck(SignatureVerdict.Missing, null, null, "No callback secret is configured.");
        if (!check.IsValid)
        {
            LogSignatureRejected(logger, check.Verdict, check.Scheme);
            var detail = mode == CallbackAuthMode.Any && check.Verdict == SignatureVerdict.Missing
                ? "The request carries neither a GitHub Actions ID token (Authorization: Bearer) nor a signature: send the run's token, or sign with the shared secret."
                : check.Detail;
            return new CallbackProof { Refusal = Problems.Unauthorized(detail) };
        }

        return new CallbackProof
        {
            Scheme = check.Scheme == SignatureScheme.StandardWebhooks ? "standard-webhooks-v1" : "legacy-x-signature",
            WebhookId = check.WebhookId,
        };
    }

    private async Task<CallbackProof> ByTokenAsync(HttpRequest request, string? webhookId, CancellationToken cancellationToken)
    {
        if (!BearerToken.TryRead(request, out var token))
        {
            LogTokenRejected(logger, "no bearer token");
            return new CallbackProof
            {
                Refusal = AccessProblems.Missing("Send the workflow run's GitHub Actions ID token as Authorization: Bearer <token> (CALLBACK_AUTH=oidc: signatures are not accepted here)."),
            };
        }

        switch (await tokens.ValidateAsync(token, cancellationToken))
        {
            case ActionsTokenCheck.IssuerUnreachable:
                LogIssuerUnreachable(logger);
                return new CallbackProof
                {
                    Refusal = AccessProblems.IssuerUnreachable("GitHub's token keys cannot be fetched right now; the callback was not applied. Send it again after the time in Retry-After."),
                };
            case ActionsTokenCheck.Invalid invalid:
                LogTokenRejected(logger, invalid.Reason);
                return new CallbackProof { Refusal = AccessProblems.InvalidToken(invalid.Reason) };
            case ActionsTokenCheck.Valid valid:
                return new CallbackProof
                {
                    Scheme = OidcScheme,
                    WebhookId = webhookId is { Length: > 0 and <= CallbackSignatureVerifier.MaxWebhookIdLength } id && !id.Any(char.IsControl) ? id : null,
                    Run = valid.Run,
                    Use = valid.Use,
                };
            default:
                throw new InvalidOperationException("unknown token check");
        }
    }

    /// <summary>
    /// For a callback proven by a token: uses up the token's id (a second use is refused, 401
    /// "token already used"), then checks that its run is the run dispatched for the job
    /// (<see cref="DispatchedRunCheck"/>). The refusal to send, or null to go on. Signed callbacks pass.
    /// </summary>
    public async Task<IResult?> AdmitAsync(CallbackProof proof, Jobs.Callback callback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(callback);
        if (proof.Run is not { } run || proof.Use is not { } use)
        {
            return null;
        }

        // Used up first: a replay never reaches GitHub or storage beyond this one insert.
        if (!await usedTokens.TryUseAsync(options.Value.Issuer.AbsoluteUri, use.TokenId, use.ExpiresAt, cancellationToken))
        {
            LogTokenRejected(logger, "token already used");
            return AccessProblems.InvalidToken("token already used: each callback attempt must carry a fresh ID token of the run (claim jti).");
        }

        return await dispatchedRun.RefusesAsync(run, callback.JobId, cancellationToken);
    }

    /// <summary>Every value of a header, joined with commas as HTTP reads repeated headers: a second webhook-signature is not silently dropped.</summary>
    private static string? JoinedHeader(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback refused: signature {Verdict} (scheme {Scheme})")]
    private static partial void LogSignatureRejected(ILogger logger, SignatureVerdict verdict, SignatureScheme? scheme);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback refused: GitHub Actions token not accepted: {Reason}")]
    private static partial void LogTokenRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Callback refused: GitHub's OpenID configuration cannot be fetched; answered 503")]
    private static partial void LogIssuerUnreachable(ILogger logger);
}
