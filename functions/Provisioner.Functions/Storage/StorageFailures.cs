using Azure;

namespace Provisioner.Functions.Storage;

/// <summary>Tells a storage outage (answer 503, try again) from everything else.</summary>
public static class StorageFailures
{
    public static bool IsUnavailable(Exception exception, CancellationToken callerToken) => exception switch
    {
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } => true,
        HttpRequestException or TimeoutException or System.Net.Sockets.SocketException or IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsUnavailable(e, callerToken)),
        _ => exception.InnerException is { } inner && IsUnavailable(inner, callerToken),
    };
}
