using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Quotas;

/// <summary>
/// A server stops counting once it is gone (docs/quotas.md), after the commit: a provision job
/// whose run ended without its server, or a deprovision job that reported the server removed.
/// Idempotent (releasing twice writes once); a release a crash left out is repaired when the
/// person next reaches the quota (<see cref="QuotaGate"/>).
/// </summary>
internal sealed class QuotaRelease(QuotaGate gate, JobStore jobs) : IJobObserver
{
    public async Task OnChangedAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var job = change.After;
        if (job.Kind == JobKind.Provision)
        {
            if (Jobs.Quotas.ServerGone(job))
            {
                await gate.ReleaseAsync(job, cancellationToken);
            }

            return;
        }

        if (job is { RunningAt: not null, RemovesServerOfJobId: { } removed }
            && await jobs.FindAsync(removed, cancellationToken) is { } provision)
        {
            await gate.ReleaseAsync(provision, cancellationToken);
        }
    }
}
