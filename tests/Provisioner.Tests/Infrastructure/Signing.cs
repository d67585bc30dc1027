using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Tests.Infrastructure;

/// <summary>Signs bodies the way the workflow does, independently of the code under test.</summary>
internal static class Signing
{
    /// <summary>What <c>openssl dgst -sha256 -hmac "$SECRET" -hex</c> prints.</summary>
    public static string Legacy(string secret, byte[] body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The <c>webhook-signature</c> value: <c>v1,</c> + base64 HMAC of <c>id.timestamp.body</c>.</summary>
    public static string StandardWebhooks(byte[] key, string id, string timestamp, byte[] body)
    {
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>Signs as a Standard Webhooks reference library does: a <c>whsec_</c> secret is base64 after the prefix (padding optional).</summary>
    public static string StandardWebhooks(string secret, string id, string timestamp, byte[] body) =>
        StandardWebhooks(StandardWebhooksKey(secret), id, timestamp, body);

    public static byte[] StandardWebhooksKey(string secret)
    {
        if (!secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(secret);
        }

        var encoded = secret["whsec_".Length..];
        return Convert.FromBase64String(encoded.PadRight(encoded.Length + ((4 - (encoded.Length % 4)) % 4), '='));
    }
}
