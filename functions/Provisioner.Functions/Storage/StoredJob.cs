namespace Provisioner.Functions.Storage;

/// <summary>A job as its partition holds it, with what sits beside it for the status document.</summary>
/// <param name="Job">The job.</param>
/// <param name="SupersededBy">The job that replaced it as its agent's newest, once the claim marked it.</param>
/// <param name="AgentReport">The agent's last health report for the job (opaque here), when one was read and kept.</param>
/// <param name="ReportRead">Whether the read looked for the report at all.</param>
internal sealed record StoredJob(Job Job, Guid? SupersededBy, string? AgentReport, bool ReportRead);
