using System.Security.Claims;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Identity;

/// <summary>Who made a request: the token's object id (<c>oid</c>; <c>sub</c> for an issuer that has none) and display name (<c>name</c>).</summary>
internal static class Caller
{
    /// <summary>Null when nobody signed in (<c>AUTH_MODE=disabled</c>).</summary>
    public static Creator? Of(ClaimsPrincipal? user)
    {
        var id = user?.FindFirst("oid")?.Value ?? user?.FindFirst("sub")?.Value;
        return string.IsNullOrEmpty(id) ? null : new Creator(id, user!.FindFirst("name")?.Value);
    }
}
