using System.Net;
using Azure.Data.Tables;
using Provisioner.Functions.Notifications;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Notifications;

/// <summary>What the notification tests share: settings, moving a job, reading its outbox rows.</summary>
internal static class NotifyTesting
{
    public static Dictionary<string, string?> Settings(WebhookReceiver receiver, string secret, bool deliver = true) => new()
    {
        ["NOTIFY_URL"] = receiver.Url,
        ["NOTIFY_SECRET"] = secret,
        ["NOTIFY_RETRY_BASE_SECONDS"] = "0.2",
        ["NOTIFY_RETRY_MAX_SECONDS"] = "0.5",
        ["AzureWebJobs.DeliverNotification.Disabled"] = deliver ? "false" : "true",
        ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
    };

    public static async Task RunningAsync(Runner runner, Guid job, DateTimeOffset? at = null)
    {
        var response = await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"9\",\"server_ip\":\"203.0.113.9\",\"tailscale_ip\":\"100.64.0.9\"}}", at: at);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static async Task FailedAsync(Runner runner, Guid job, DateTimeOffset? at = null)
    {
        var response = await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt-get failed\",\"failed_step\":\"configure_full\",\"step\":\"configure_full\"}}", at: at);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static async Task<List<OutboxEntity>> OutboxAsync(Runner runner, Guid job)
    {
        var rows = new List<OutboxEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {job.ToString()} and RowKey ge {"ev-"} and RowKey lt {"ev."}");
        await foreach (var row in runner.Table("jobs").QueryAsync<OutboxEntity>(filter))
        {
            rows.Add(row);
        }

        return rows;
    }

    public static async Task<DeadLetterEntity?> DeadLetterAsync(Runner runner, string webhookId)
    {
        var found = await runner.Table("notifydeadletters").GetEntityIfExistsAsync<DeadLetterEntity>(DeadLetterEntity.Partition, webhookId);
        return found.HasValue ? found.Value : null;
    }

    public static async Task<bool> WatchedAsync(Runner runner, Guid job) =>
        (await runner.Table("inflight").GetEntityIfExistsAsync<TableEntity>("inflight", job.ToString())).HasValue;
}
