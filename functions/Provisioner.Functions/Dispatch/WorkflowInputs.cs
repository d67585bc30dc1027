namespace Provisioner.Functions.Dispatch;

/// <summary>The <c>workflow_dispatch</c> inputs of <c>provision-agent.yml</c>, or of <c>deprovision-agent.yml</c> for a <see cref="Jobs.JobKind.Deprovision"/> job.</summary>
/// <param name="Traceparent">The dispatch span's W3C trace context, which the run sends back on its callbacks; null when nothing is traced (the input is then left out).</param>
/// <param name="Kind">Which workflow: a deprovision job's inputs are <c>job_id</c>, <c>agent_id</c>, <c>server_id</c>, <c>callback_url</c> (no region).</param>
/// <param name="ServerId">A deprovision job: the server to remove. A re-run from the failed step: the kept server to reuse. Null otherwise.</param>
/// <param name="KeepFailedServerMinutes">How long the run's clean-up keeps the server of a failure at install or configure (<c>KEEP_FAILED_SERVER_MINUTES</c>; 0: never). Provision jobs only.</param>
/// <param name="ResumeFrom">For a re-run from the failed step: <c>install</c> or <c>configure</c>; null for a run from the start (the input is then left out).</param>
internal sealed record WorkflowInputs(Guid JobId, string AgentId, string Region, Uri CallbackUrl, string? Traceparent = null, Jobs.JobKind Kind = Jobs.JobKind.Provision, string? ServerId = null, int KeepFailedServerMinutes = 0, string? ResumeFrom = null);
