using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Guard;

/// <summary>
/// What every HTTP function goes through: first who may call it (<paramref name="access"/>, decided
/// by <see cref="RequestAccess"/>), then its handler, with a storage outage turned into <c>503</c> +
/// <c>Retry-After</c> instead of a 500; anything else propagates.
/// </summary>
public sealed partial class StorageGuard(RequestAccess requestAccess, ILogger<StorageGuard> logger)
{
    public async Task<IResult> RunAsync(HttpRequest request, Access access, string operation, Func<Task<IResult>> handler, string unavailableDetail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (await requestAccess.CheckAsync(request, access, operation, cancellationToken) is { } refused)
        {
            return refused;
        }

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
