using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Health;

/// <summary>
/// Whether the app can do its work: its settings are valid (they are validated when the app
/// starts, so an app that answers has valid settings) and storage answers one point read
/// within <see cref="StorageTimeout"/>. What is wrong is named without internals: no connection
/// string, account address or exception text reaches the answer (the log has the exception).
/// </summary>
internal sealed partial class HealthHandler(StorageClients storage, TimeProvider time, ILogger<HealthHandler> logger)
{
    public static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(2);

    // A row that never exists: the read costs one point lookup and answers 404, which is a healthy answer.
    private const string ProbeKey = "health-probe";

    public async Task<IResult> CheckAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var deadline = new CancellationTokenSource(StorageTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        string problem;
        try
        {
            await storage.Jobs.GetEntityIfExistsAsync<TableEntity>(ProbeKey, ProbeKey, ["PartitionKey"], linked.Token);
            request.HttpContext.Response.Headers.CacheControl = "no-store";
            return TypedResults.Json(HealthReport.Ok, Json.Options);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            problem = $"storage did not answer within {StorageTimeout.TotalSeconds:0} s";
            LogUnhealthy(logger, problem, e);
        }
        catch (RequestFailedException e) when (e.Status is > 0 and < 500 and not 408 and not 429)
        {
            // Reached, but refused: usually the app's identity lacks its role on the account.
            problem = $"storage refused the app's read with HTTP {e.Status} {e.ErrorCode}; check the app's access to the storage account ({StorageClients.Setting})";
            LogUnhealthy(logger, problem, e);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            problem = StorageFailures.IsUnavailable(e, cancellationToken)
                ? "storage could not be reached"
                : "storage could not be read (see the app's log)";
            LogUnhealthy(logger, problem, e);
        }

        return Problems.Unhealthy($"Unhealthy: {problem}. Retry after the time in Retry-After.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check: {Problem}")]
    private static partial void LogUnhealthy(ILogger logger, string problem, Exception exception);
}
