using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The app settings that override host.json's <c>extensions.queues</c> on the Functions host
/// (<c>AzureFunctionsJobHost__extensions__queues__*</c>); <c>Storage.QueueHostSettings</c>
/// applies them over host.json, as the host does. Kept as text: host.json's own values are
/// text too, and both are parsed in one place.
/// </summary>
internal sealed class QueueHostOverrides
{
    public const string Prefix = "AzureFunctionsJobHost:extensions:queues:";

    [ConfigurationKeyName(Prefix + "batchSize")]
    public string? BatchSize { get; set; }

    [ConfigurationKeyName(Prefix + "maxDequeueCount")]
    public string? MaxDequeueCount { get; set; }

    [ConfigurationKeyName(Prefix + "visibilityTimeout")]
    public string? VisibilityTimeout { get; set; }

    [ConfigurationKeyName(Prefix + "maxPollingInterval")]
    public string? MaxPollingInterval { get; set; }

    [ConfigurationKeyName(Prefix + "messageEncoding")]
    public string? MessageEncoding { get; set; }

    /// <summary>The override of host.json's <paramref name="name"/>, or null.</summary>
    public string? Of(string name) => name switch
    {
        "batchSize" => BatchSize,
        "maxDequeueCount" => MaxDequeueCount,
        "visibilityTimeout" => VisibilityTimeout,
        "maxPollingInterval" => MaxPollingInterval,
        "messageEncoding" => MessageEncoding,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a queue setting the app reads"),
    };
}
