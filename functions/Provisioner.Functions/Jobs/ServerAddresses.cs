using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.Functions.Jobs;

/// <summary>What a server's addresses must look like: any IP address, and a Tailscale address for the tailnet.</summary>
internal static class ServerAddresses
{
    public const string TailscaleRanges = "100.64.0.0/10 or fd7a:115c:a1e0::/48";

    private static readonly IPNetwork TailscaleV4 = IPNetwork.Parse("100.64.0.0/10");
    private static readonly IPNetwork TailscaleV6 = IPNetwork.Parse("fd7a:115c:a1e0::/48");

    /// <summary>
    /// An IPv4 address as four decimal numbers (no leading zeros, which some readers take for
    /// octal) or an IPv6 address without a zone; <paramref name="address"/> is its canonical text.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out string? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text) || text.Length > 45)
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (!text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6.ToString();
            return true;
        }

        var parts = text.Split('.');
        if (parts.Length != 4 || !parts.All(IsOctet))
        {
            return false;
        }

        address = IPAddress.Parse(text).ToString();
        return true;
    }

    /// <summary>Whether <paramref name="text"/> is an address Tailscale hands out (its CGNAT range or its IPv6 ULA prefix).</summary>
    public static bool TryParseTailscale(string? text, [NotNullWhen(true)] out string? address)
    {
        if (TryParse(text, out address))
        {
            var ip = IPAddress.Parse(address);
            // By family, so an IPv4-mapped IPv6 address (never one Tailscale hands out) is not taken for IPv4.
            var inRange = ip.AddressFamily == AddressFamily.InterNetwork ? TailscaleV4.Contains(ip) : TailscaleV6.Contains(ip);
            if (inRange)
            {
                return true;
            }
        }

        address = null;
        return false;
    }

    private static bool IsOctet(string part) =>
        part.Length is >= 1 and <= 3
        && part.All(char.IsAsciiDigit)
        && (part.Length == 1 || part[0] != '0')
        && int.Parse(part, System.Globalization.CultureInfo.InvariantCulture) <= 255;
}
