namespace Provisioner.Functions.Storage;

/// <summary>A job the time-out sweeper watches, since when.</summary>
internal sealed record WatchedJob(Guid JobId, DateTimeOffset Since);
