namespace Provisioner.Functions.Storage;

/// <summary>
/// An agent's row as the domain sees it: the job that holds (or last held) it, its newest
/// provision job, and the deprovision job that took it since that job was created.
/// </summary>
internal sealed record AgentJobs(Guid? ActiveJobId, Guid? NewestJobId, Guid? TearDownJobId);
