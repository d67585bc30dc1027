using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also says which timers were made. A test that moves fake
/// time past a wait must first know the wait has begun: advanced too early, the clock passes
/// before the timer exists, the timer is then set from the new time, and the test waits forever.
/// </summary>
public sealed class ObservedFakeTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _dueTimes.Enqueue(dueTime);
        return timer;
    }

    /// <summary>Waits (in real time, at most <paramref name="timeout"/>) until a timer due after <paramref name="dueTime"/> has been made.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!_dueTimes.Contains(dueTime))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no timer due after {dueTime} was made; timers made: {string.Join(", ", _dueTimes)}");
            }

            await Task.Delay(10);
        }
    }
}
