using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Takes part in every write of <see cref="JobStore"/> that changes a job row, inside its
/// transaction: what must exist together with the change or not at all (the notification
/// outbox rows: Notifications/NotificationOutbox.cs). Storage defines the port and knows
/// nothing of who implements it (docs/architecture.md, "Observers"). What may come late
/// subscribes after the commit instead (<see cref="IJobObserver"/>).
/// </summary>
internal interface IJobWriteParticipant
{
    /// <summary>
    /// The rows to add in the entity-group transaction that changes the job from
    /// <paramref name="before"/> to <paramref name="after"/>, or adds it (<paramref name="before"/>
    /// null: a new job); they must be in the job's partition (<see cref="JobEntity.Key"/>). Empty
    /// when it has nothing to add. Asked again for each attempt of a write that met a conflict.
    /// </summary>
    IReadOnlyList<ITableEntity> RowsFor(Job? before, Job after);

    /// <summary>
    /// After the transaction that added <paramref name="rows"/> committed (called only when it
    /// returned rows). The change stands whatever happens here, so it must not throw for an outage.
    /// </summary>
    Task CommittedAsync(IReadOnlyList<ITableEntity> rows, CancellationToken cancellationToken);
}
