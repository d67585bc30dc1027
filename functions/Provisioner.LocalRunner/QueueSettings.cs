using System.Globalization;
using System.Text.Json.Nodes;

namespace Provisioner.LocalRunner;

/// <summary>
/// host.json's <c>extensions.queues</c>, with the host's defaults, overridden by app settings
/// <c>AzureFunctionsJobHost__extensions__queues__*</c> as on the Functions host.
/// </summary>
public sealed record QueueSettings(int BatchSize, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval)
{
    public static QueueSettings From(JsonNode hostJson, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(hostJson);
        ArgumentNullException.ThrowIfNull(configuration);
        var queues = hostJson["extensions"]?["queues"];
        var overrides = configuration.GetSection("AzureFunctionsJobHost:extensions:queues");
        string? Read(string name) => overrides[name] ?? queues?[name]?.ToString();

        return new QueueSettings(
            int.Parse(Read("batchSize") ?? "16", CultureInfo.InvariantCulture),
            int.Parse(Read("maxDequeueCount") ?? "5", CultureInfo.InvariantCulture),
            TimeSpan.Parse(Read("visibilityTimeout") ?? "00:00:00", CultureInfo.InvariantCulture),
            TimeSpan.Parse(Read("maxPollingInterval") ?? "00:01:00", CultureInfo.InvariantCulture));
    }
}
