namespace Provisioner.Functions.Dispatch;

/// <summary>The <c>workflow_dispatch</c> inputs of <c>provision-agent.yml</c>.</summary>
/// <param name="Traceparent">The dispatch span's W3C trace context, which the run sends back on its callbacks; null when nothing is traced (the input is then left out).</param>
/// <param name="KeepFailedServerMinutes">How long the run's clean-up keeps the server of a failure at install or configure (<c>KEEP_FAILED_SERVER_MINUTES</c>; 0: never).</param>
/// <param name="ResumeFrom">For a re-run from the failed step: <c>install</c> or <c>configure</c>; null for a run from the start (the input is then left out).</param>
/// <param name="ServerId">For a re-run from the failed step: the kept server to reuse.</param>
public sealed record WorkflowInputs(Guid JobId, string AgentId, string Region, Uri CallbackUrl, string? Traceparent = null, int KeepFailedServerMinutes = 0, string? ResumeFrom = null, string? ServerId = null);
