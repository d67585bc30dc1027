using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>Signs a callback with Standard Webhooks v1, as the workflow's callback script does.</summary>
internal static class StandardWebhookSigner
{
    /// <summary>The three headers for <paramref name="body"/>: <c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Sign(SigningKeys keys, string webhookId, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.StandardWebhooks);
        hmac.AppendData(Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}."));
        hmac.AppendData(body);
        return
        [
            new(SignatureHeaders.WebhookIdName, webhookId),
            new(SignatureHeaders.WebhookTimestampName, timestamp),
            new(SignatureHeaders.WebhookSignatureName, "v1," + Convert.ToBase64String(hmac.GetHashAndReset())),
        ];
    }
}
