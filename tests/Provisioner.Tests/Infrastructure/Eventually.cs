namespace Provisioner.Tests.Infrastructure;

internal static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it returns a value that satisfies <paramref name="done"/>, or fails with the last value.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what ?? "condition"} not reached; last value: {value}");
            }

            await Task.Delay(50);
        }
    }
}
