namespace Provisioner.Functions.Notifications;

/// <summary>The <c>type</c> of an outgoing notification (docs/notifications.md).</summary>
internal static class EventTypes
{
    public const string JobRunning = "job.running";
    public const string JobFailed = "job.failed";
    public const string JobCancelled = "job.cancelled";
    public const string JobStalled = "job.stalled";
    public const string AgentUnhealthy = "agent.unhealthy";
    public const string AgentRecovered = "agent.recovered";

    /// <summary>A server's lifetime ends soon (docs/lifetime.md): once per end, <c>EXPIRY_WARNING_MINUTES</c> before it.</summary>
    public const string AgentExpiring = "agent.expiring";

    public static IReadOnlyList<string> All { get; } = [JobRunning, JobFailed, JobCancelled, JobStalled, AgentUnhealthy, AgentRecovered, AgentExpiring];
}
