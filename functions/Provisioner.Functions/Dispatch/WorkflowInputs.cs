namespace Provisioner.Functions.Dispatch;

/// <summary>The <c>workflow_dispatch</c> inputs of <c>provision-agent.yml</c>.</summary>
public sealed record WorkflowInputs(Guid JobId, string AgentId, string Region, Uri CallbackUrl);
