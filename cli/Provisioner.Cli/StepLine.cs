using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>One step of a status document: its label, state and times.</summary>
internal sealed record StepLine(string Id, string Label, string State, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt)
{
    public static StepLine From(JsonElement step) => new(
        Text(step, "id") ?? "?",
        Text(step, "label") ?? Text(step, "id") ?? "?",
        Text(step, "state") ?? "pending",
        Time(step, "started_at"),
        Time(step, "completed_at"));

    /// <summary>How long the step took (or has taken, at <paramref name="now"/>), when it started.</summary>
    public TimeSpan? Duration(DateTimeOffset now) => StartedAt is { } start ? (CompletedAt ?? now) - start : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? time : null;
}
