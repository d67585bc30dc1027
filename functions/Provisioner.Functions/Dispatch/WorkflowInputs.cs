namespace Provisioner.Functions.Dispatch;

/// <summary>The <c>workflow_dispatch</c> inputs of <c>provision-agent.yml</c>.</summary>
/// <param name="Traceparent">The dispatch span's W3C trace context, which the run sends back on its callbacks; null when nothing is traced (the input is then left out).</param>
public sealed record WorkflowInputs(Guid JobId, string AgentId, string Region, Uri CallbackUrl, string? Traceparent = null);
