using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.CreateJob;

/// <summary>
/// Whether a person may create this job now (Quotas/: docs/quotas.md), asked before the job is
/// stored, so a refused create leaves nothing. A job admitted but then not created (the agent
/// was busy) is released.
/// </summary>
internal interface ICreateAdmission
{
    /// <summary>Null when admitted (and counted); otherwise the answer that refuses it.</summary>
    Task<IResult?> AdmitAsync(Job job, CancellationToken cancellationToken);

    Task ReleaseAsync(Job job, CancellationToken cancellationToken);
}
