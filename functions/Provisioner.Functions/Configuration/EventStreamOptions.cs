using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>The job event streams (docs/events.md): how many one instance keeps open and how long each lives.</summary>
public sealed class EventStreamOptions
{
    public const string MaxStreamsSetting = "EVENTS_MAX_STREAMS";
    public const string StreamSecondsSetting = "EVENTS_STREAM_SECONDS";
    public const string KeepAliveSecondsSetting = "EVENTS_KEEPALIVE_SECONDS";

    /// <summary>The Functions front end cuts an HTTP request at 230 s; a stream must end itself before, with room to spare.</summary>
    public const double MaxStreamSeconds = 215;

    /// <summary>The contract's bound on the silence between two lines of a stream.</summary>
    public const double MaxKeepAliveSeconds = 15;

    /// <summary>Streams one instance keeps open at once; one more is answered <c>503</c> with <c>Retry-After</c>.</summary>
    [ConfigurationKeyName(MaxStreamsSetting)]
    public int MaxStreams { get; set; } = 500;

    /// <summary>How long a stream stays open before the server ends it and the client resumes with <c>Last-Event-ID</c>.</summary>
    [ConfigurationKeyName(StreamSecondsSetting)]
    public double StreamSeconds { get; set; } = 200;

    /// <summary>The longest a stream goes without a line: a comment line is sent when nothing else was.</summary>
    [ConfigurationKeyName(KeepAliveSecondsSetting)]
    public double KeepAliveSeconds { get; set; } = 15;

    public TimeSpan StreamLifetime => TimeSpan.FromSeconds(StreamSeconds);

    public TimeSpan KeepAlive => TimeSpan.FromSeconds(KeepAliveSeconds);
}
