namespace Provisioner.Functions.Storage;

/// <summary>A job as its partition holds it, with what sits beside it for the status document.</summary>
/// <param name="Job">The job.</param>
/// <param name="SupersededBy">The job that replaced it as its agent's newest, once the claim marked it.</param>
/// <param name="AgentReport">The agent's last health report for the job (opaque here), when the read looked for one and one was kept.</param>
internal sealed record StoredJob(Job Job, Guid? SupersededBy, string? AgentReport);
