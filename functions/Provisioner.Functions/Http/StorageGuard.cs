using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Http;

/// <summary>Turns a storage outage into <c>503</c> + <c>Retry-After</c> instead of a 500; anything else propagates.</summary>
public sealed partial class StorageGuard(ILogger<StorageGuard> logger)
{
    public async Task<IResult> RunAsync(string operation, Func<Task<IResult>> handler, string unavailableDetail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            return await handler();
        }
        catch (Exception e) when (e is StorageConflictException || StorageFailures.IsUnavailable(e, cancellationToken))
        {
            LogUnavailable(logger, operation, e);
            return Problems.StorageUnavailable(unavailableDetail);
        }
    }

    public const string ReadRetry = "The job store cannot be reached right now; retry after the time in Retry-After.";

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation}: storage unavailable, answered 503")]
    private static partial void LogUnavailable(ILogger logger, string operation, Exception exception);
}
