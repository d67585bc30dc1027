using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

/// <summary>The <c>health</c> of a running job: from the agent's health row, or from the report kept on the job's own row.</summary>
internal sealed class AgentHealthReader(AgentHealthStore store, IOptions<AgentHealthOptions> options, TimeProvider time)
{
    /// <summary>From the agent's health row (one point read): what the health events compare.</summary>
    public async Task<HealthView?> ForAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!Shows(job))
        {
            return null;
        }

        var record = await store.FindAsync(job.AgentId, cancellationToken);
        return HealthProjection.For(job, record, time.GetUtcNow(), options.Value.Silence);
    }

    /// <summary>From the job's row as read (no read of its own): what the status document shows.</summary>
    public HealthView? For(StoredJob stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return Shows(stored.Job) ? HealthProjection.For(stored.Job, JobRowReport.Read(stored), time.GetUtcNow(), options.Value.Silence) : null;
    }

    /// <summary>Whether a document of this job shows health: a running provision job whose server is still there.</summary>
    public static bool Shows(Job job) =>
        job.Status == JobStatus.Running && job.ServerRemovedAt is null && job.Kind != JobKind.Deprovision;
}
