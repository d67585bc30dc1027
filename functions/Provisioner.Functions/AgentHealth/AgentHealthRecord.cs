namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// What is known about the health of one agent's current job: when it started running, its last
/// report, and the state the sweeper last recorded for it. One per agent; a newer job replaces it.
/// </summary>
internal sealed record AgentHealthRecord(
    string AgentId,
    Guid JobId,
    DateTimeOffset? RunningAt,
    DateTimeOffset? LastReportAt,
    AgentReport? LastReport,
    HealthState? RecordedState);
