namespace Provisioner.Functions.Reconcile;

/// <summary>
/// GitHub answered 403 or 429 for a rate limit (primary: <c>x-ratelimit-remaining: 0</c>;
/// secondary: <c>retry-after</c> or its message). Not an answer about the run: the pipeline
/// waits <see cref="RetryAfter"/> when that is short, and otherwise the question is asked later.
/// </summary>
internal sealed class GitHubRateLimitedException : Exception
{
    public GitHubRateLimitedException()
    {
    }

    public GitHubRateLimitedException(string message)
        : base(message)
    {
    }

    public GitHubRateLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GitHubRateLimitedException(string message, TimeSpan retryAfter)
        : base(message) => RetryAfter = retryAfter;

    /// <summary>How long GitHub asked us to wait (until the window resets, or its <c>retry-after</c>).</summary>
    public TimeSpan RetryAfter { get; }
}
