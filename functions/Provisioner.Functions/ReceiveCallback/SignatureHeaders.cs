namespace Provisioner.Functions.ReceiveCallback;

/// <summary>The signature headers of one request, exactly as received.</summary>
internal sealed record SignatureHeaders(string? XSignature, string? WebhookId, string? WebhookTimestamp, string? WebhookSignature)
{
    public const string XSignatureName = "X-Signature";
    public const string WebhookIdName = "webhook-id";
    public const string WebhookTimestampName = "webhook-timestamp";
    public const string WebhookSignatureName = "webhook-signature";

    public bool HasStandardWebhooks => WebhookId is not null || WebhookTimestamp is not null || WebhookSignature is not null;
}
