using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The HMAC keys one secret gives. The legacy scheme keys HMAC with the secret's bytes, as
/// <c>openssl dgst -hmac "$SECRET"</c> does; Standard Webhooks decodes a <c>whsec_</c>
/// secret from base64 first, as its specification says, and uses any other secret's bytes.
/// </summary>
public sealed record SigningKeys(byte[] Legacy, byte[] StandardWebhooks)
{
    private const string StandardPrefix = "whsec_";

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

        var encoded = secret[StandardPrefix.Length..];
        var buffer = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written) || written == 0)
        {
            error = "starts with whsec_ but what follows is not base64: give the secret exactly as it was generated.";
            return false;
        }

        keys = new SigningKeys(legacy, buffer[..written]);
        error = null;
        return true;
    }
}
