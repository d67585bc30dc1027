namespace Provisioner.Functions.Storage;

/// <summary>
/// The read-modify-write loop every store uses: read, decide, write under the ETag that was
/// read; when another writer got there first (the write reports a conflict), read again. The
/// number of rounds is capped so that a storm of writers ends in <see cref="StorageConflictException"/>
/// (answered 503: try again) instead of spinning.
/// </summary>
internal static class ConflictRetry
{
    public const int MaxAttempts = 16;

    /// <param name="what">What is being done, for the exception ("claim agent x").</param>
    /// <param name="attempt">One round: <see cref="Round{T}.Done"/> with the result, or <see cref="Round{T}.Conflict"/> to read again.</param>
    public static async Task<T> RunAsync<T>(string what, Func<Task<Round<T>>> attempt)
    {
        for (var round = 0; round < MaxAttempts; round++)
        {
            if (await attempt() is { IsDone: true } done)
            {
                return done.Result;
            }
        }

        throw new StorageConflictException($"Could not {what} after {MaxAttempts} attempts.");
    }
}

/// <summary>The end of one round of <see cref="ConflictRetry"/>: a result, or a conflict.</summary>
internal readonly record struct Round<T>(bool IsDone, T Result)
{
    public static Round<T> Done(T result) => new(true, result);

    public static Round<T> Conflict => new(false, default!);
}
