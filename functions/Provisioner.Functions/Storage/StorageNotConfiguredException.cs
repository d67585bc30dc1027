namespace Provisioner.Functions.Storage;

/// <summary>No storage connection is configured (<c>AzureWebJobsStorage</c> and its identity-based forms are all missing); the message says what to set.</summary>
internal sealed class StorageNotConfiguredException : InvalidOperationException
{
    public StorageNotConfiguredException()
    {
    }

    public StorageNotConfiguredException(string message)
        : base(message)
    {
    }

    public StorageNotConfiguredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
