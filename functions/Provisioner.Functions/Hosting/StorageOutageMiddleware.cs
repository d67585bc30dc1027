using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Hosting;

/// <summary>
/// An HTTP function that meets a storage outage (or an ETag conflict that outlasted its retries)
/// answers <c>503</c> + <c>Retry-After</c> with the detail its <see cref="StorageOutageAttribute"/>
/// states, instead of a 500; anything else propagates. Queue and timer functions pass: their
/// failure is what makes the queue deliver the message again.
/// </summary>
internal sealed partial class StorageOutageMiddleware(ILogger<StorageOutageMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is null)
        {
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        catch (Exception e) when (e is StorageConflictException || StorageFailures.IsUnavailable(e, context.CancellationToken))
        {
            var policy = FunctionPolicy.Of(context);
            LogUnavailable(logger, policy.Name, e);
            InvocationAnswer.Set(context, Problems.StorageUnavailable(policy.OutageDetail));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation}: storage unavailable, answered 503")]
    private static partial void LogUnavailable(ILogger logger, string operation, Exception exception);
}
