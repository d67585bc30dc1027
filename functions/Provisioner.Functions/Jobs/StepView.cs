namespace Provisioner.Functions.Jobs;

public sealed record StepView(string Id, string Label, string State, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt);
