using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// The body of a <c>notifications</c> message: which outbox row to deliver and which attempt
/// this is. The event itself stays in the row, so every attempt signs the same body.
/// </summary>
public sealed record NotificationMessage(
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("attempt")] int Attempt)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);

    public string Serialize() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Names a job, an outbox row and an attempt: what a message bound by the queue trigger must also be.</summary>
    [JsonIgnore]
    public bool IsValid => JobId != Guid.Empty && Event?.StartsWith(OutboxEntity.RowPrefix, StringComparison.Ordinal) == true && Attempt >= 1;

    public static NotificationMessage? TryParse(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<NotificationMessage>(message, JsonOptions) is { IsValid: true } parsed ? parsed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
