using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Identity;

/// <summary>
/// The one place a person's access is decided. Every HTTP function names what it needs
/// (<see cref="Access"/>) when it hands its request to <c>StorageGuard</c> (Guard/), which asks
/// here first; the functions never read tokens themselves. With <c>AUTH_MODE=disabled</c> every
/// call is let through. A caller let in is set as <see cref="HttpContext.User"/>, so a handler
/// can record who acted (<see cref="Caller"/>).
/// </summary>
internal sealed partial class RequestAccess(IOptions<AuthOptions> options, PeopleTokens tokens, GitHubActionsTokens runs, ILogger<RequestAccess> logger)
{
    /// <summary>Whether every call is let through (<c>AUTH_MODE=disabled</c>).</summary>
    public bool IsOpen => options.Value.Mode == AuthMode.Disabled;

    /// <summary>Null when the call may go on; otherwise the answer to send (401, 403, or 503 when the issuer cannot be reached).</summary>
    public async Task<IResult?> CheckAsync(HttpRequest request, Access access, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (access == Access.Open || options.Value.Mode == AuthMode.Disabled)
        {
            return null;
        }

        if (!BearerToken.IsPresent(request))
        {
            LogRefused(logger, operation, "no token");
            return AccessProblems.Missing("Sign in and send the access token as Authorization: Bearer <token>.");
        }

        if (!BearerToken.TryRead(request, out var token))
        {
            LogRefused(logger, operation, "not a bearer token");
            return AccessProblems.InvalidToken("The Authorization header must be one value, \"Bearer <token>\".");
        }

        switch (await tokens.ValidateAsync(token, cancellationToken))
        {
            case TokenCheck.IssuerUnreachable:
                LogIssuerUnreachable(logger, operation);
                return AccessProblems.IssuerUnreachable("The sign-in service's keys cannot be fetched right now; retry after the time in Retry-After.");
            case TokenCheck.Invalid when await runs.ValidateReaperAsync(token, cancellationToken) is { } reaper:
                return Reaper(request, reaper, access, operation);
            case TokenCheck.Invalid invalid:
                LogRefused(logger, operation, invalid.Reason);
                return AccessProblems.InvalidToken(invalid.Reason + " Sign in again to get a new token.");
            case TokenCheck.Valid valid:
                // Who it is, even when refused: the audit log names who was refused (docs/audit.md).
                request.HttpContext.User = new ClaimsPrincipal(valid.Identity);
                if (KindRefusal(valid.Identity) is { } wrongKind)
                {
                    LogRefused(logger, operation, wrongKind);
                    return AccessProblems.MissingRole(wrongKind);
                }

                if (!Allows(valid.Identity, access))
                {
                    LogMissingRole(logger, operation, access);
                    return AccessProblems.MissingRole(access == Access.Operator
                        ? $"This needs the {AppRoles.Operator} app role; ask an administrator of the Provisioner app to assign it to you."
                        : $"Reading needs the {AppRoles.Reader} or {AppRoles.Operator} app role; ask an administrator of the Provisioner app to assign one to you.");
                }

                return null;
            default:
                throw new InvalidOperationException("unknown token check");
        }
    }

    /// <summary>A token of GitHub's: the reaper's run may list and read jobs (<see cref="Access.JobReader"/>), nothing else (docs/identity.md, "The reaper").</summary>
    private IResult? Reaper(HttpRequest request, TokenCheck reaper, Access access, string operation)
    {
        switch (reaper)
        {
            case TokenCheck.Valid valid when access == Access.JobReader:
                request.HttpContext.User = new ClaimsPrincipal(valid.Identity);
                return null;
            case TokenCheck.Valid:
                LogRefused(logger, operation, "the reaper's run token lists and reads jobs only");
                return AccessProblems.MissingRole("The reaper's run token may list and read jobs, nothing else.");
            case TokenCheck.Invalid invalid:
                LogRefused(logger, operation, invalid.Reason);
                return AccessProblems.InvalidToken(invalid.Reason);
            default:
                throw new InvalidOperationException("unknown token check");
        }
    }

    /// <summary>
    /// Entra ID tokens by kind (docs/identity.md): a delegated token (<c>scp</c> present, or
    /// <c>idtyp=user</c>) must carry the API's scope. Null when it does, or when the token is app-only.
    /// </summary>
    private static string? KindRefusal(ClaimsIdentity identity) =>
        IsDelegated(identity, out var scopes) && !scopes.Contains(AppRoles.Scope, StringComparer.Ordinal)
            ? $"The token was issued to a client on a person's behalf without the API's scope {AppRoles.Scope} (claim scp); sign in through a client that asks for it."
            : null;

    private static bool IsDelegated(ClaimsIdentity identity, out string[] scopes)
    {
        scopes = (identity.FindFirst("scp")?.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return scopes.Length > 0 || identity.FindFirst("idtyp")?.Value == "user";
    }

    /// <summary>The roles that count: an app-only token (client credentials) holds only those the registration allows applications (<see cref="AppRoles.ForApplications"/>).</summary>
    private static HashSet<string> Roles(ClaimsIdentity identity)
    {
        var roles = identity.FindAll(AppRoles.ClaimType).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        if (!IsDelegated(identity, out _))
        {
            roles.IntersectWith(AppRoles.ForApplications);
        }

        return roles;
    }

    private static bool Allows(ClaimsIdentity identity, Access access)
    {
        var roles = Roles(identity);
        return access switch
        {
            Access.Operator => roles.Contains(AppRoles.Operator),
            Access.Reader or Access.JobReader => roles.Contains(AppRoles.Operator) || roles.Contains(AppRoles.Reader),
            _ => true,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string operation, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} refused: the token lacks the role for {Access}")]
    private static partial void LogMissingRole(ILogger logger, string operation, Access access);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Operation}: the token issuer's metadata cannot be fetched; answered 503")]
    private static partial void LogIssuerUnreachable(ILogger logger, string operation);
}
