using System.Globalization;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.Cost;

/// <summary>
/// What follows a job change for the cost (docs/cost.md), after the commit: a <c>vm_created</c>
/// whose price was malformed is logged as a warning (the callback was applied without it), and a
/// server's final cost is counted in the <c>provisioner.cost</c> metric once, when it is removed:
/// a deprovision job that reached running (after <c>ServerRemoval</c> marked its provision job), or
/// a run that ended without its server (its clean-up deleted it).
/// </summary>
internal sealed partial class CostFollowUp(JobStore jobs, ILogger<CostFollowUp> logger) : IJobObserver
{
    public async Task OnChangedAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change is { Changed: true, Callback.PriceDropped: { } dropped })
        {
            LogPriceDropped(logger, change.After.JobId, dropped);
        }

        if (!change.Changed)
        {
            return; // a change seen again was counted when it was made
        }

        if (change.After.Kind == JobKind.Provision)
        {
            if (Costs.Of(change.Before, change.Before.UpdatedAt)?.FinalGross is null && Costs.Of(change.After, change.After.UpdatedAt) is { FinalGross: not null } ended)
            {
                Record(change.After, ended);
            }

            return;
        }

        if (change is { Before.RunningAt: null, After: { RunningAt: not null, RemovesServerOfJobId: { } provisionJobId } }
            && await jobs.FindAsync(provisionJobId, cancellationToken) is { } removed
            && Costs.Of(removed, removed.UpdatedAt) is { FinalGross: not null } final)
        {
            Record(removed, final);
        }
    }

    private void Record(Job job, JobSummary.CostView cost)
    {
        var gross = decimal.Parse(cost.FinalGross!, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        ProvisionerTelemetry.ServerCost(gross, cost.Currency, job.ServerType, job.Location);
        LogFinal(logger, job.JobId, job.Server?.Id, cost.FinalGross!, cost.Currency);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the vm_created callback's price was dropped ({Reason}); the job shows no cost")]
    private static partial void LogPriceDropped(ILogger logger, Guid jobId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: server {ServerId} removed; it cost {FinalGross} {Currency} gross")]
    private static partial void LogFinal(ILogger logger, Guid jobId, string? serverId, string finalGross, string currency);
}
