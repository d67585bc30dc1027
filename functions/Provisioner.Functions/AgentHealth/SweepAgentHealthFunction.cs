using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;

namespace Provisioner.Functions.AgentHealth;

public sealed class SweepAgentHealthFunction(IServiceProvider services)
{
    private readonly AgentHealthSweeper sweeper = services.GetRequiredService<AgentHealthSweeper>();

    /// <summary>Every minute, like the time-out sweep: a silent agent is noticed within a minute of its silence limit.</summary>
    [Function("SweepAgentHealth")]
    public Task RunAsync([TimerTrigger("30 */1 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
