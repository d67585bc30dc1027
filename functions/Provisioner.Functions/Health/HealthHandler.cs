using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Health;

/// <summary>
/// Whether the app can do its work: its settings are valid (they are validated when the app
/// starts, so an app that answers has valid settings) and storage answers one point read
/// within <see cref="StorageTimeout"/>. Anyone may ask, and is told <c>ok</c> or
/// <c>unavailable</c> and nothing more; what is wrong is named only to a caller who may read
/// (a <c>Provisioner.Reader</c> or <c>Operator</c> token, or <c>AUTH_MODE=disabled</c>), and
/// even then without internals: no connection string, account address or exception text (the
/// log has the exception). The probe's outcome is kept for <see cref="ProbeCacheTime"/>, so a
/// flood of anonymous probes costs storage one read every few seconds.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The semaphore's wait handle is never asked for, so it holds nothing to release; the handler lives as long as the app.")]
internal sealed partial class HealthHandler(StorageClients storage, RequestAccess access, TimeProvider time, ILogger<HealthHandler> logger)
{
    public static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long one probe's outcome answers every caller.</summary>
    public static readonly TimeSpan ProbeCacheTime = TimeSpan.FromSeconds(3);

    // A row that never exists: the read costs one point lookup and answers 404, which is a healthy answer.
    private const string ProbeKey = "health-probe";

    private readonly SemaphoreSlim _probing = new(1, 1);
    private (DateTimeOffset At, string? Problem)? _last;

    public async Task<IResult> CheckAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problem = await ProbeAsync(cancellationToken);
        if (problem is null)
        {
            request.HttpContext.Response.Headers.CacheControl = "no-store";
            return TypedResults.Json(HealthReport.Ok, Json.Options);
        }

        // The details only for a caller who may read; a token is looked at only when one is sent.
        var mayRead = access.IsOpen
            || (BearerToken.IsPresent(request) && await access.CheckAsync(request, Access.Reader, "Health details", cancellationToken) is null);
        return Problems.Unhealthy(mayRead
            ? $"Unhealthy: {problem}. Retry after the time in Retry-After."
            : "unavailable. Retry after the time in Retry-After.");
    }

    /// <summary>Null when storage answered; else what is wrong. One probe at a time, its outcome kept for <see cref="ProbeCacheTime"/>.</summary>
    private async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        if (_last is { } kept && time.GetUtcNow() - kept.At < ProbeCacheTime)
        {
            return kept.Problem;
        }

        await _probing.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } fresh && time.GetUtcNow() - fresh.At < ProbeCacheTime)
            {
                return fresh.Problem;
            }

            var problem = await ReadAsync(cancellationToken);
            _last = (time.GetUtcNow(), problem);
            return problem;
        }
        finally
        {
            _probing.Release();
        }
    }

    private async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(StorageTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        string problem;
        try
        {
            await storage.Jobs.GetEntityIfExistsAsync<TableEntity>(ProbeKey, ProbeKey, ["PartitionKey"], linked.Token);
            return null;
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

        return problem;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check: {Problem}")]
    private static partial void LogUnhealthy(ILogger logger, string problem, Exception exception);
}
