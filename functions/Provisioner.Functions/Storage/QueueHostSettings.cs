using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Storage;

/// <summary>
/// host.json's <c>extensions.queues</c>, with the Functions host's defaults, overridden by the
/// app settings <c>AzureFunctionsJobHost__extensions__queues__*</c> as on the host. The one
/// place that knows the queue message encoding: the producer (<see cref="StorageClients"/>)
/// writes with it and the queue trigger (the host, or the local runner) reads with it.
/// </summary>
internal sealed record QueueHostSettings(int BatchSize, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval, QueueMessageEncoding MessageEncoding)
{
    public const string HostJsonFileName = "host.json";

    /// <summary>The settings from the host.json in <paramref name="directory"/> (the app's folder: the build copies host.json beside the assembly).</summary>
    public static QueueHostSettings Load(string directory, IConfiguration configuration)
    {
        var path = Path.Combine(directory, HostJsonFileName);
        var hostJson = File.Exists(path)
            ? JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) ?? new JsonObject()
            : new JsonObject();
        return From(hostJson, configuration);
    }

    public static QueueHostSettings From(JsonNode hostJson, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(hostJson);
        ArgumentNullException.ThrowIfNull(configuration);
        var queues = hostJson["extensions"]?["queues"];
        var overrides = SettingsBinding.Read<QueueHostOverrides>(configuration);
        string? Read(string name) => overrides.Of(name) ?? queues?[name]?.ToString();

        var encoding = Read("messageEncoding") ?? "base64";
        return new QueueHostSettings(
            int.Parse(Read("batchSize") ?? "16", CultureInfo.InvariantCulture),
            int.Parse(Read("maxDequeueCount") ?? "5", CultureInfo.InvariantCulture),
            TimeSpan.Parse(Read("visibilityTimeout") ?? "00:00:00", CultureInfo.InvariantCulture),
            TimeSpan.Parse(Read("maxPollingInterval") ?? "00:01:00", CultureInfo.InvariantCulture),
            encoding.ToLowerInvariant() switch
            {
                "base64" => QueueMessageEncoding.Base64,
                "none" => QueueMessageEncoding.None,
                _ => throw new InvalidOperationException($"host.json extensions.queues.messageEncoding is \"{encoding}\": the Functions host knows base64 and none."),
            });
    }
}
