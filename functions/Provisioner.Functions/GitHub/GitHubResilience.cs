using System.Globalization;
using System.Net;
using Octokit;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Reconcile;

namespace Provisioner.Functions.GitHub;

/// <summary>
/// The named pipeline around a workflow dispatch: a per-attempt timeout inside an exponential
/// retry with jitter that honours <c>Retry-After</c> and the rate-limit reset. It retries what a
/// retry can fix (5xx, 429, secondary rate limits, time-outs, network errors) and nothing else.
/// </summary>
internal static class GitHubResilience
{
    public const string PipelineName = "github-dispatch";

    public static void Configure(ResiliencePipelineBuilder builder, DispatchOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.TimeProvider = time;
        if (options.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryAfter,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken) && !WaitsTooLong(e, options, time)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? RequestedDelay(e, time) : null),
            });
        }

        builder.AddTimeout(options.AttemptTimeout);
    }

    public static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        SecondaryRateLimitExceededException or RateLimitExceededException or AbuseException or GitHubRateLimitedException => true,
        ApiException api => (int)api.StatusCode >= 500 || api.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        HttpRequestException or TimeoutRejectedException or TimeoutException or IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>401, 403 that is not a rate limit, 404, 422 and other 4xx: retrying cannot help.</summary>
    public static bool IsPermanent(ApiException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return !IsTransient(exception, CancellationToken.None) && (int)exception.StatusCode is >= 400 and < 500;
    }

    /// <summary>What the server asked us to wait: <c>Retry-After</c>, or until the rate-limit window resets.</summary>
    public static TimeSpan? RequestedDelay(Exception exception, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (exception is RateLimitExceededException limit)
        {
            var untilReset = limit.Reset - time.GetUtcNow();
            return untilReset > TimeSpan.Zero ? untilReset : TimeSpan.FromSeconds(1);
        }

        if (exception is GitHubRateLimitedException readLimit)
        {
            return readLimit.RetryAfter;
        }

        if (exception is AbuseException { RetryAfterSeconds: { } abuseSeconds })
        {
            return TimeSpan.FromSeconds(abuseSeconds);
        }

        if (exception is ApiException { HttpResponse.Headers: { } headers }
            && headers.FirstOrDefault(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value is { } value)
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var until = date - time.GetUtcNow();
                return until > TimeSpan.Zero ? until : TimeSpan.Zero;
            }
        }

        return null;
    }

    private static bool WaitsTooLong(Exception exception, DispatchOptions options, TimeProvider time) =>
        RequestedDelay(exception, time) is { } delay && delay > options.MaxRetryAfter;
}
