using System.Security.Claims;

namespace Provisioner.Functions.Identity;

/// <summary>What a bearer token turned out to be: valid (with its claims), invalid (and why, in words safe to send back), or not checkable now.</summary>
internal abstract record TokenCheck
{
    private TokenCheck()
    {
    }

    public sealed record Valid(ClaimsIdentity Identity) : TokenCheck;

    /// <summary>The token is refused; <paramref name="Reason"/> names what failed and never repeats the token.</summary>
    public sealed record Invalid(string Reason) : TokenCheck;

    /// <summary>The issuer's metadata or keys cannot be fetched: nothing the caller did, so not a 401.</summary>
    public sealed record IssuerUnreachable : TokenCheck;
}
