using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Storage;

/// <summary>
/// The tables and queues of the app, made from the same <c>AzureWebJobsStorage</c> setting the
/// Functions host uses: a connection string (locally <c>UseDevelopmentStorage=true</c>), or in
/// Azure the identity-based form (<c>AzureWebJobsStorage__accountName</c> or the
/// <c>__tableServiceUri</c>/<c>__queueServiceUri</c> pair, with <c>__clientId</c> for a
/// user-assigned identity).
/// </summary>
internal sealed class StorageClients
{
    public const string Setting = StorageOptions.ConnectionSetting;

    private readonly QueueServiceClient _queues;

    public StorageClients(TableServiceClient tables, QueueServiceClient queues)
    {
        _queues = queues;
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(queues);
        Jobs = tables.GetTableClient(StorageNames.JobsTable);
        Agents = tables.GetTableClient(StorageNames.AgentsTable);
        Idempotency = tables.GetTableClient(StorageNames.IdempotencyTable);
        InFlight = tables.GetTableClient(StorageNames.InFlightTable);
        AgentHealth = tables.GetTableClient(StorageNames.AgentHealthTable);
        Quotas = tables.GetTableClient(StorageNames.QuotasTable);
        JobIndex = tables.GetTableClient(StorageNames.JobIndexTable);
        UsedTokens = tables.GetTableClient(StorageNames.UsedTokensTable);
        Audit = tables.GetTableClient(StorageNames.AuditTable);
        DispatchQueue = queues.GetQueueClient(StorageNames.DispatchQueue);
        DispatchPoisonQueue = queues.GetQueueClient(StorageNames.DispatchPoisonQueue);
        NotifyDeadLetters = tables.GetTableClient(StorageNames.NotifyDeadLettersTable);
        NotifyQueue = queues.GetQueueClient(StorageNames.NotifyQueue);
        NotifyPoisonQueue = queues.GetQueueClient(StorageNames.NotifyPoisonQueue);
    }

    public TableClient Jobs { get; }
    public TableClient Agents { get; }
    public TableClient Idempotency { get; }
    public TableClient InFlight { get; }
    public TableClient AgentHealth { get; }
    public TableClient Quotas { get; }
    public TableClient JobIndex { get; }
    public TableClient UsedTokens { get; }
    public TableClient Audit { get; }
    public QueueClient DispatchQueue { get; }
    public QueueClient DispatchPoisonQueue { get; }
    public TableClient NotifyDeadLetters { get; }
    public QueueClient NotifyQueue { get; }
    public QueueClient NotifyPoisonQueue { get; }

    /// <summary>Any queue of the account, with the app's message encoding (host.json's).</summary>
    public QueueClient Queue(string name) => _queues.GetQueueClient(name);

    /// <param name="settings">The storage settings (<c>AzureWebJobsStorage</c>).</param>
    /// <param name="queues">host.json's queue settings: messages are written with the encoding the queue trigger reads.</param>
    /// <param name="counter">Counts the table requests (tests and benchmark only); null in the app.</param>
    public static StorageClients From(StorageOptions settings, QueueHostSettings queues, StorageRequestCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(queues);
        var tableOptions = new TableClientOptions();
        if (counter is not null)
        {
            tableOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        }

        var queueOptions = new QueueClientOptions { MessageEncoding = queues.MessageEncoding };
        Bound(tableOptions.Retry);
        Bound(queueOptions.Retry);

        var connectionString = settings.ConnectionString;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageClients(new TableServiceClient(connectionString, tableOptions), new QueueServiceClient(connectionString, queueOptions));
        }

        var tableUri = settings.TableEndpoint;
        var queueUri = settings.QueueEndpoint;
        if (tableUri is null || queueUri is null)
        {
            throw new StorageNotConfiguredException(
                $"{Setting} is not set. Set it to a storage connection string (UseDevelopmentStorage=true for Azurite), or set {Setting}__accountName to use the app's managed identity.");
        }

        TokenCredential credential = settings.ClientId is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
        return new StorageClients(
            new TableServiceClient(new Uri(tableUri), credential, tableOptions),
            new QueueServiceClient(new Uri(queueUri), credential, queueOptions));
    }

    /// <summary>
    /// The SDK's defaults retry for tens of seconds with a 100 s network timeout; a caller
    /// polling a status page is better served by a quick 503 and a Retry-After.
    /// </summary>
    private static void Bound(RetryOptions retry)
    {
        retry.MaxRetries = 2;
        retry.Mode = RetryMode.Exponential;
        retry.Delay = TimeSpan.FromMilliseconds(100);
        retry.MaxDelay = TimeSpan.FromSeconds(1);
        retry.NetworkTimeout = TimeSpan.FromSeconds(10);
    }
}
