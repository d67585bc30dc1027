namespace Provisioner.Functions.Storage;

/// <summary>What is kept of one accepted callback. <paramref name="DedupeKey"/> is the callback's identity (see <see cref="CallbackEntity"/>).</summary>
internal sealed record CallbackRecord(Guid JobId, string DedupeKey, DateTimeOffset ReceivedAt, string Scheme, string? WebhookId, string Kind, ReadOnlyMemory<byte> Body);
