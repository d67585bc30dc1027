using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.CreateJob;

public sealed class RemoveExpiredIdempotencyKeysFunction(IServiceProvider services)
{
    private readonly IdempotencyKeys keys = services.GetRequiredService<IdempotencyKeys>();

    /// <summary>Every hour: deletes the Idempotency-Keys older than 24 hours (a create already takes such a key as new; this keeps the table small).</summary>
    [Function("RemoveExpiredIdempotencyKeys")]
    public Task RunAsync([TimerTrigger("0 7 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        keys.RemoveExpiredAsync(cancellationToken);
}
