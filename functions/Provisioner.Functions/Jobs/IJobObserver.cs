namespace Provisioner.Functions.Jobs;

/// <summary>
/// A follow-up of a change of a job that may come late: it runs after the commit, so a crash
/// before it leaves the change standing and the follow-up to the next path that publishes
/// the job (every observer is idempotent). What must be atomic with the change takes part in the
/// transaction instead (Storage's <c>IJobWriteParticipant</c>). docs/architecture.md, "Observers".
/// </summary>
internal interface IJobObserver
{
    Task OnChangedAsync(JobChange change, CancellationToken cancellationToken);
}

/// <summary>Publishes a change to every <see cref="IJobObserver"/>, in the order they were registered.</summary>
internal sealed class JobChanges(IEnumerable<IJobObserver> observers)
{
    private readonly IJobObserver[] _observers = [.. observers];

    public async Task PublishAsync(JobChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        foreach (var observer in _observers)
        {
            await observer.OnChangedAsync(change, cancellationToken);
        }
    }
}
