using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>
/// A status document as the server sent it (<see cref="Raw"/>, printed as is by --output json),
/// with the few fields the tool shows. Read from the JSON itself rather than from the generated
/// model: Kiota cannot represent <c>steps</c> (a oneOf of two tuple arrays) and drops it.
/// </summary>
internal sealed record JobDocument(JsonElement Raw)
{
    private static readonly HashSet<string> TerminalStatuses = ["running", "failed", "cancelled"];

    public string JobId => Text("job_id") ?? "?";

    public string AgentId => Text("agent_id") ?? "?";

    public string Status => Text("status") ?? "?";

    public string Kind => Text("kind") ?? "provision";

    /// <summary>running, failed and cancelled never change again (a teardown's job ends running: Removed).</summary>
    public bool IsTerminal => TerminalStatuses.Contains(Status);

    public string? ErrorMessage =>
        Raw.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)
            ? message.GetString()
            : null;

    public IReadOnlyList<StepLine> Steps =>
        Raw.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array
            ? steps.EnumerateArray().Select(StepLine.From).ToList()
            : [];

    /// <summary>The exit code this document ends a followed job with.</summary>
    public int ExitCode => Status switch
    {
        "failed" => ExitCodes.Failed,
        "cancelled" => ExitCodes.Cancelled,
        _ => ExitCodes.Done,
    };

    public static JobDocument Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new JobDocument(document.RootElement.Clone());
    }

    private string? Text(string name) =>
        Raw.ValueKind == JsonValueKind.Object && Raw.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
