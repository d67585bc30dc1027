using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.Identity;

/// <summary>Reads <c>Authorization: Bearer &lt;token&gt;</c> (RFC 6750, section 2.1).</summary>
internal static class BearerToken
{
    /// <summary>Upper bound on what is handed to the token library; Entra ID access tokens are a few KiB.</summary>
    public const int MaxLength = 16 * 1024;

    public static bool IsPresent(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.Authorization.Count > 0;
    }

    public static bool TryRead(HttpRequest request, [NotNullWhen(true)] out string? token)
    {
        ArgumentNullException.ThrowIfNull(request);
        token = null;
        var values = request.Headers.Authorization;
        if (values.Count != 1 || values[0] is not { } value)
        {
            return false;
        }

        const string scheme = "Bearer ";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var candidate = value[scheme.Length..].Trim();
        if (candidate.Length == 0 || candidate.Length > MaxLength)
        {
            return false;
        }

        token = candidate;
        return true;
    }
}
