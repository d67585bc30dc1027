namespace Provisioner.Functions.ReceiveCallback;

internal enum SignatureScheme
{
    /// <summary><c>X-Signature</c>: hex HMAC-SHA256 of the body.</summary>
    Legacy,

    /// <summary>Standard Webhooks v1: <c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>.</summary>
    StandardWebhooks,
}
