using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;

namespace Provisioner.Functions.TimeOuts;

public sealed class FailStuckJobsFunction(IServiceProvider services)
{
    private readonly TimeoutSweeper sweeper = services.GetRequiredService<TimeoutSweeper>();

    /// <summary>Every minute: a job is failed within a minute of going silent for the configured time.</summary>
    [Function("FailStuckJobs")]
    public Task RunAsync([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
