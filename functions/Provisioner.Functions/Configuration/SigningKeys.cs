using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The HMAC keys one secret gives. The legacy scheme keys HMAC with the secret's bytes, as
/// <c>openssl dgst -hmac "$SECRET"</c> does. Standard Webhooks keys it, as the specification
/// and its reference libraries do, with the base64-decoded part after the <c>whsec_</c> prefix
/// (padding optional); a secret without the prefix is used as its bytes for both schemes, so a
/// plain shared secret keeps working with this project's own workflow. The format to generate
/// is <c>whsec_</c> + base64 of 32 random bytes (docs/configuration.md, "Secrets").
/// </summary>
internal sealed record SigningKeys(byte[] Legacy, byte[] StandardWebhooks)
{
    public const string StandardPrefix = "whsec_";

    public static bool TryCreate(string secret, [NotNullWhen(true)] out SigningKeys? keys, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(secret);
        keys = null;
        var legacy = Encoding.UTF8.GetBytes(secret);
        if (!secret.StartsWith(StandardPrefix, StringComparison.Ordinal))
        {
            keys = new SigningKeys(legacy, legacy);
            error = null;
            return true;
        }

        if (DecodeBase64(secret[StandardPrefix.Length..]) is not { Length: > 0 } key)
        {
            error = "starts with whsec_ but what follows is not base64: give the secret exactly as it was generated (whsec_ followed by base64, for example whsec_$(openssl rand -base64 32)).";
            return false;
        }

        keys = new SigningKeys(legacy, key);
        error = null;
        return true;
    }

    /// <summary>
    /// Keys from a secret other keys are derived from (the agent keys): as <see cref="TryCreate"/>,
    /// and long enough to derive from.
    /// </summary>
    public static bool TryCreateForDerivation(string secret, [NotNullWhen(true)] out SigningKeys? keys, [NotNullWhen(false)] out string? error)
    {
        if (!TryCreate(secret, out keys, out error))
        {
            return false;
        }

        if (keys.StandardWebhooks.Length < 16)
        {
            keys = null;
            error = "is too short to derive keys from: generate it as whsec_ followed by base64 of 32 random bytes (for example whsec_$(openssl rand -base64 32)).";
            return false;
        }

        return true;
    }

    /// <summary>Standard base64, with or without its trailing <c>=</c> padding; null when it is not base64.</summary>
    private static byte[]? DecodeBase64(string encoded)
    {
        var padded = (encoded.Length % 4) switch
        {
            0 => encoded,
            2 => encoded + "==",
            3 => encoded + "=",
            _ => null,
        };
        var buffer = new byte[encoded.Length];
        return padded is not null && Convert.TryFromBase64String(padded, buffer, out var written) ? buffer[..written] : null;
    }
}
