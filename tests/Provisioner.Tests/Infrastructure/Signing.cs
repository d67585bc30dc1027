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

    public static string StandardWebhooks(string secret, string id, string timestamp, byte[] body) =>
        StandardWebhooks(Encoding.UTF8.GetBytes(secret), id, timestamp, body);
}
