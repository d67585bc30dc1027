using Azure;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Tells a storage outage (answer 503, try again) from everything else. Only what the storage
/// clients throw counts: a request the caller framed badly (<see cref="BadHttpRequestException"/>,
/// an <see cref="IOException"/>) is the caller's fault, never an outage.
/// </summary>
internal static class StorageFailures
{
    public static bool IsUnavailable(Exception exception, CancellationToken callerToken) => exception switch
    {
        BadHttpRequestException => false,
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } => true,
        HttpRequestException or TimeoutException or System.Net.Sockets.SocketException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsUnavailable(e, callerToken)),
        _ => exception.InnerException is { } inner && IsUnavailable(inner, callerToken),
    };
}
