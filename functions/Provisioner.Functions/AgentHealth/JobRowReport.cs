using System.Text.Json;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// The agent's last accepted report for a job, as kept beside the job's row in its partition
/// (<see cref="JobEntity.AgentReport"/>), so the status document reads the job and its health
/// in one storage request (docs/agent-health.md, "Where the document reads health").
/// </summary>
internal static class JobRowReport
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    public static string Serialize(AgentReport report, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(new Row(at, report.Status, report.Checks, report.Version), Wire);
    }

    /// <summary>The report kept on a job's row as the health record of that job; null when there is none (or it cannot be read).</summary>
    public static AgentHealthRecord? Read(StoredJob stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.AgentReport is not { Length: > 0 } json)
        {
            return null;
        }

        Row? row;
        try
        {
            row = JsonSerializer.Deserialize<Row>(json, Wire);
        }
        catch (JsonException)
        {
            return null;
        }

        return row is { Status: { } status }
            ? new AgentHealthRecord(stored.Job.AgentId, stored.Job.JobId, stored.Job.RunningAt, row.At, new AgentReport(status, row.Checks ?? [], row.Version), null)
            : null;
    }

    private sealed record Row(DateTimeOffset At, string? Status, IReadOnlyList<AgentCheck>? Checks, string? Version);
}
