using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The storage account of the tables and queues: the same <c>AzureWebJobsStorage</c> setting the
/// Functions host uses, as a connection string (locally <c>UseDevelopmentStorage=true</c>) or in
/// its identity-based form (<c>AzureWebJobsStorage__accountName</c> or the
/// <c>__tableServiceUri</c>/<c>__queueServiceUri</c> pair, with <c>__clientId</c> for a
/// user-assigned identity). No validator: <c>Storage.StorageClients</c> says what to set when
/// none of them is, the first time storage is needed (at start).
/// </summary>
public sealed class StorageOptions
{
    public const string ConnectionSetting = "AzureWebJobsStorage";
    public const string AccountNameSetting = ConnectionSetting + ":accountName";
    public const string TableServiceUriSetting = ConnectionSetting + ":tableServiceUri";
    public const string QueueServiceUriSetting = ConnectionSetting + ":queueServiceUri";
    public const string ClientIdSetting = ConnectionSetting + ":clientId";

    /// <summary>A connection string; when set, the identity-based settings are not looked at.</summary>
    [ConfigurationKeyName(ConnectionSetting)]
    public SectionValue? Connection { get; set; }

    public string? ConnectionString => Connection?.Value;

    [ConfigurationKeyName(AccountNameSetting)]
    public string? AccountName { get; set; }

    [ConfigurationKeyName(TableServiceUriSetting)]
    public string? TableServiceUri { get; set; }

    [ConfigurationKeyName(QueueServiceUriSetting)]
    public string? QueueServiceUri { get; set; }

    /// <summary>The client id of the user-assigned identity to sign in with; unset, whatever <c>DefaultAzureCredential</c> finds.</summary>
    [ConfigurationKeyName(ClientIdSetting)]
    public string? ClientId { get; set; }

    public string? TableEndpoint => TableServiceUri ?? (AccountName is null ? null : $"https://{AccountName}.table.core.windows.net");

    public string? QueueEndpoint => QueueServiceUri ?? (AccountName is null ? null : $"https://{AccountName}.queue.core.windows.net");
}
