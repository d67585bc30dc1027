using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>The <c>health</c> of a status document: one point read, for a running job only.</summary>
internal sealed class AgentHealthReader(AgentHealthStore store, IOptions<AgentHealthOptions> options, TimeProvider time)
{
    public async Task<HealthView?> ForAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Status != JobStatus.Running || job.ServerRemovedAt is not null || job.Kind == JobKind.Deprovision)
        {
            return null;
        }

        var record = await store.FindAsync(job.AgentId, cancellationToken);
        return HealthProjection.For(job, record, time.GetUtcNow(), options.Value.Silence);
    }
}
