using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provisioner.Functions.Storage;

/// <summary>The body of a <c>provisioning-jobs</c> message: <c>{"job_id":"…"}</c>.</summary>
public sealed record DispatchMessage([property: JsonPropertyName("job_id")] Guid JobId)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);

    public static bool TryParse(string? message, out Guid jobId)
    {
        jobId = Guid.Empty;
        if (string.IsNullOrWhiteSpace(message))
        {
            return false;
        }

        try
        {
            return JsonSerializer.Deserialize<DispatchMessage>(message, JsonOptions) is { } parsed && (jobId = parsed.JobId) != Guid.Empty;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
