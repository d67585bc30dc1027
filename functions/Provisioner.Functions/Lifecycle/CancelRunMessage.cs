using System.Text.Json;
using System.Text.Json.Serialization;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifecycle;

/// <summary>A <c>cancel-runs</c> message: <c>{"job_id": "…"}</c>, the job whose workflow run must be cancelled on GitHub. The queue trigger binds it.</summary>
public sealed record CancelRunMessage([property: JsonPropertyName("job_id")] Guid JobId)
{
    public const string Queue = StorageNames.CancelRunsQueue;
    public const string PoisonQueue = StorageNames.CancelRunsPoisonQueue;

    public static string Create(Guid jobId) => JsonSerializer.Serialize(new CancelRunMessage(jobId));

    public static bool TryParse(string message, out Guid jobId)
    {
        jobId = default;
        try
        {
            using var document = JsonDocument.Parse(message);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("job_id", out var id)
                && id.ValueKind == JsonValueKind.String
                && Guid.TryParse(id.GetString(), out jobId);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
