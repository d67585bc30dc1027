using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Status;

/// <summary>The open job event streams of this instance, bounded by <c>EVENTS_MAX_STREAMS</c> (docs/events.md).</summary>
internal sealed class EventStreams(IOptions<EventStreamOptions> options)
{
    private int _open;
    private long _reads;

    public int Open => Volatile.Read(ref _open);

    /// <summary>The job row reads the streams of this instance made, for the benchmark's reads a second.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public void CountRead() => Interlocked.Increment(ref _reads);

    /// <summary>Takes a place for one more stream; false when every place is taken.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _open) <= options.Value.MaxStreams)
        {
            return true;
        }

        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref _open);
}
