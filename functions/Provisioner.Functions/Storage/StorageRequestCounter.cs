using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Provisioner.Functions.Storage;

/// <summary>
/// Counts the requests the app's table client sends, per table and method, as a pipeline
/// policy (once per attempt, so a retry counts). Not registered in the app: the tests and the
/// benchmark register one to measure that a status call costs one storage round trip
/// (docs/performance.md) rather than assume it.
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private long _total;

    /// <summary>Every request counted since the last <see cref="Reset"/>.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>The counts by <c>METHOD table</c> (for example <c>GET jobs</c>), for a message that says what was read.</summary>
    public IReadOnlyDictionary<string, long> ByRequest => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    public void Reset()
    {
        _counts.Clear();
        Interlocked.Exchange(ref _total, 0);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var path = message.Request.Uri.Path;
        var table = path.TrimEnd('/').Split('/').LastOrDefault(s => s.Length > 0) ?? "";
        var paren = table.IndexOf('(', StringComparison.Ordinal);
        var key = message.Request.Method.Method + " " + (paren >= 0 ? table[..paren] : table);
        _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
    }
}
