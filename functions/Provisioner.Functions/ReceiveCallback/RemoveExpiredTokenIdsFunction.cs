using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.ReceiveCallback;

public sealed class RemoveExpiredTokenIdsFunction(IServiceProvider services)
{
    private readonly UsedTokens usedTokens = services.GetRequiredService<UsedTokens>();
    private readonly TimeProvider time = services.GetRequiredService<TimeProvider>();

    /// <summary>Every hour: deletes the ids of used tokens that have expired (such a token is refused for its age anyway; this keeps the table small).</summary>
    [Function("RemoveExpiredTokenIds")]
    public Task RunAsync([TimerTrigger("0 37 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        usedTokens.RemoveExpiredAsync(time.GetUtcNow(), cancellationToken);
}
