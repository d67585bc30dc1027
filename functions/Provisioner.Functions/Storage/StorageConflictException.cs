namespace Provisioner.Functions.Storage;

/// <summary>Optimistic concurrency did not converge within its attempts: a transient condition, answered like an outage.</summary>
internal sealed class StorageConflictException : Exception
{
    public StorageConflictException()
    {
    }

    public StorageConflictException(string message)
        : base(message)
    {
    }

    public StorageConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
