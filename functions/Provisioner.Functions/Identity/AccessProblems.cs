using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Identity;

/// <summary>
/// The answers to a caller who is not let in, as problem documents with the challenge RFC 6750
/// (section 3) asks for: <c>401</c> + <c>WWW-Authenticate: Bearer</c> without an error code when
/// no token was sent, with <c>error="invalid_token"</c> when the token is refused; <c>403</c> +
/// <c>error="insufficient_scope"</c> when the token is good but lacks the role.
/// </summary>
internal static class AccessProblems
{
    public static IResult Missing(string detail) =>
        new Challenged(new ProblemResult(401, "A bearer token is required", detail), "Bearer");

    public static IResult InvalidToken(string detail) =>
        new Challenged(new ProblemResult(401, "The bearer token is not valid", detail), $"Bearer error=\"invalid_token\", error_description=\"{detail.Replace("\"", "'", StringComparison.Ordinal)}\"");

    public static IResult MissingRole(string detail) =>
        new Challenged(new ProblemResult(403, "The token lacks the role this needs", detail), "Bearer error=\"insufficient_scope\"");

    public static IResult IssuerUnreachable(string detail) =>
        new ProblemResult(503, "The token issuer cannot be reached", detail, retryAfterSeconds: Problems.StorageRetryAfterSeconds);

    /// <summary>A problem document with its <c>WWW-Authenticate</c> challenge.</summary>
    private sealed class Challenged(ProblemResult problem, string challenge) : IResult, IStatusCodeHttpResult
    {
        /// <summary>The answer's status, for the middleware that reads it (span, audit log).</summary>
        public int? StatusCode => problem.Status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.WWWAuthenticate = challenge;
            return problem.ExecuteAsync(httpContext);
        }
    }
}
