namespace Provisioner.Functions.Storage;

/// <summary>
/// The two writes every new job goes through besides its own row, in the order that loses none:
/// it is watched in the in-flight index before its row is written (so the sweeper sees a job
/// whose create stopped halfway), and put on the dispatch queue once its agent is claimed.
/// Used by a create, a retry and a tear down.
/// </summary>
internal sealed class JobIntake(InFlightIndex inFlight, DispatchQueueWriter queue)
{
    public Task WatchAsync(Guid jobId, DateTimeOffset since, CancellationToken cancellationToken) =>
        inFlight.WatchAsync(jobId, since, cancellationToken);

    public Task EnqueueAsync(Guid jobId, CancellationToken cancellationToken) =>
        queue.EnqueueAsync(jobId, cancellationToken);
}
