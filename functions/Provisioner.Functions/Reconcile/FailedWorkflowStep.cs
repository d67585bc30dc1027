namespace Provisioner.Functions.Reconcile;

/// <summary>The step of a GitHub Actions job that failed (or was running when the run ended), and that job's log.</summary>
internal sealed record FailedWorkflowStep(string JobName, string? StepName, string? LogUrl);
