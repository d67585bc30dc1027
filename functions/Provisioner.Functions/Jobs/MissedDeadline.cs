namespace Provisioner.Functions.Jobs;

/// <summary>A deadline a job in flight has passed: why (the failure's reason), when it fell due, and what a person should read.</summary>
internal sealed record MissedDeadline(FailureReason Reason, DateTimeOffset Due, string Message);
