using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provisioner.Functions.Storage;

/// <summary>
/// The body of a <c>provisioning-jobs</c> message: <c>{"job_id":"…","traceparent":"…"}</c>. The
/// W3C trace context is optional (absent when nothing is traced, and in messages written before
/// it existed), so the dispatch continues the job's trace when there is one.
/// </summary>
public sealed record DispatchMessage(
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("traceparent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Traceparent = null)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);

    public static bool TryParse(string? message, out Guid jobId) => TryParse(message, out jobId, out _);

    public static bool TryParse(string? message, out Guid jobId, out string? traceparent)
    {
        jobId = Guid.Empty;
        traceparent = null;
        if (string.IsNullOrWhiteSpace(message))
        {
            return false;
        }

        try
        {
            if (JsonSerializer.Deserialize<DispatchMessage>(message, JsonOptions) is not { } parsed || parsed.JobId == Guid.Empty)
            {
                return false;
            }

            jobId = parsed.JobId;
            traceparent = parsed.Traceparent;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
