using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Notifications;

/// <summary>
/// Notifications delivered by the queue-triggered function, as the host runs it, to a receiver
/// over HTTP; retries on short back-off settings. One Azurite for the class; each test its own
/// receiver, runner and jobs.
/// </summary>
public sealed class NotificationDeliveryTests(Azurite azurite) : IClassFixture<Azurite>
{
    private readonly string _secret = WebhookReceiver.NewSecret();

    private static Task<IReadOnlyList<WebhookReceiver.Delivery>> ReceivedAsync(WebhookReceiver receiver, int count, string what) =>
        Eventually.WaitAsync(() => Task.FromResult(receiver.Received), r => r.Count >= count, TimeSpan.FromSeconds(30), what);

    private static List<WebhookReceiver.Delivery> ReceivedFor(WebhookReceiver receiver, Guid job) =>
        receiver.Received.Where(r => r.JobId == job).ToList();

    /// <summary>
    /// Proves that every delivery still due for the events before now has happened, instead of
    /// sleeping and then finding nothing: a <c>job.running</c> event for a fresh job, published now,
    /// is refused on its first attempt with a <c>Retry-After</c> above the back-off cap, so its
    /// second attempt waits the whole cap. No retry of an earlier event waits longer than the cap,
    /// so each would have been due before that second attempt. Once it has arrived and the queue
    /// holds no message (Azurite counts hidden ones too), nothing more is coming. Returns the job.
    /// </summary>
    private static async Task<Guid> DeliveryCaughtUpAsync(Runner runner, WebhookReceiver receiver)
    {
        var marker = await runner.NewJobAsync();
        var answer = receiver.Answer;
        receiver.Answer = delivery => delivery.JobId != marker ? answer(delivery)
            : ReceivedFor(receiver, marker).Count == 1 ? (503, "60") : (204, null);
        await NotifyTesting.RunningAsync(runner, marker);
        await Eventually.WaitAsync(() => Task.FromResult(ReceivedFor(receiver, marker)), r => r.Count == 2, TimeSpan.FromSeconds(30), "the later event, after its retry at the cap");
        var queue = runner.Services.GetRequiredService<StorageClients>().NotifyQueue;
        await Eventually.WaitAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, what: "the notification queue empty");
        return marker;
    }

    [Fact]
    public void Verifier_OfTheseTests_AcceptsTheSpecificationsExample()
    {
        // The test's own verifier is checked against the specification's published example first.
        Assert.True(WebhookReceiver.SignatureIsValid(SpecVector.Secret, SpecVector.Id, SpecVector.Timestamp, SpecVector.Signature, Encoding.UTF8.GetBytes(SpecVector.Body)));
        Assert.False(WebhookReceiver.SignatureIsValid(SpecVector.Secret, SpecVector.Id, "1614265331", SpecVector.Signature, Encoding.UTF8.GetBytes(SpecVector.Body)));
    }

    [Fact]
    public async Task Events_RunningAndFailed_ReachTheReceiverSignedPerTheSpec()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var runner = await Runner.StartAsync(azurite, NotifyTesting.Settings(receiver, _secret));
        var running = await runner.NewJobAsync();
        var failed = await runner.NewJobAsync();
        await NotifyTesting.RunningAsync(runner, running);
        await NotifyTesting.FailedAsync(runner, failed);

        var received = await ReceivedAsync(receiver, 2, "both events");
        var byType = received.ToDictionary(r => r.Type);
        Assert.Equal(running, byType["job.running"].JobId);
        Assert.Equal("running", byType["job.running"].Json.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(failed, byType["job.failed"].JobId);
        Assert.Equal("failed", byType["job.failed"].Json.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("workflow", byType["job.failed"].Json.GetProperty("data").GetProperty("error").GetProperty("reason").GetString());
        foreach (var delivery in received)
        {
            Assert.True(WebhookReceiver.SignatureIsValid(_secret, delivery.Id, delivery.Timestamp, delivery.Signature, delivery.Body), "signature valid per the specification");
            Assert.False(WebhookReceiver.SignatureIsValid(WebhookReceiver.NewSecret(), delivery.Id, delivery.Timestamp, delivery.Signature, delivery.Body));
            Assert.StartsWith("msg_", delivery.Id, StringComparison.Ordinal);
            Assert.StartsWith("v1,", delivery.Signature, StringComparison.Ordinal);
            Assert.InRange(long.Parse(delivery.Timestamp!, CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            Assert.StartsWith("application/json", delivery.ContentType, StringComparison.Ordinal);
            Assert.Equal(["type", "timestamp", "data"], delivery.Json.EnumerateObject().Select(p => p.Name));
        }

        Assert.NotEqual(received[0].Id, received[1].Id);
    }

    [Fact]
    public async Task Retries_KeepTheWebhookId_AndNothingIsSentTwiceOnceAcknowledged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var calls = 0;
        receiver.Answer = _ => Interlocked.Increment(ref calls) <= 2 ? (500, null) : (200, null);
        await using var runner = await Runner.StartAsync(azurite, NotifyTesting.Settings(receiver, _secret));
        var job = await runner.NewJobAsync();
        await NotifyTesting.RunningAsync(runner, job);

        var received = await ReceivedAsync(receiver, 3, "two failures and a success");
        Assert.Single(received.Select(r => r.Id).Distinct());
        Assert.All(received, r => Assert.True(WebhookReceiver.SignatureIsValid(_secret, r.Id, r.Timestamp, r.Signature, r.Body)));
        Assert.All(received, r => Assert.Equal(received[0].Body, r.Body));
        var row = Assert.Single(await Eventually.WaitAsync(() => NotifyTesting.OutboxAsync(runner, job), rows => rows.All(r => r.State == OutboxEntity.Delivered), what: "the event acknowledged"));
        Assert.Equal(3, row.Attempts);

        // Copies of the message (a redelivery, the sweeper) after the acknowledgement send nothing.
        var queue = runner.Services.GetRequiredService<StorageClients>().NotifyQueue;
        await queue.SendMessageAsync(new NotificationMessage(job, row.RowKey, 1).Serialize());
        await queue.SendMessageAsync(new NotificationMessage(job, row.RowKey, 4).Serialize());
        await runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);
        await Eventually.WaitAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, what: "the copies consumed");
        await DeliveryCaughtUpAsync(runner, receiver);
        Assert.Equal(3, ReceivedFor(receiver, job).Count);
    }

    [Fact]
    public async Task Gone_410_StopsDelivery_AndKeepsTheEventAsADeadLetter()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = _ => (410, null);
        await using var runner = await Runner.StartAsync(azurite, NotifyTesting.Settings(receiver, _secret));
        var job = await runner.NewJobAsync();
        await NotifyTesting.RunningAsync(runner, job);

        var first = Assert.Single(await ReceivedAsync(receiver, 1, "the first attempt"));
        var row = Assert.Single(await Eventually.WaitAsync(() => NotifyTesting.OutboxAsync(runner, job), rows => rows.All(r => r.State == OutboxEntity.Gone), what: "delivery stopped"));
        var dead = await NotifyTesting.DeadLetterAsync(runner, first.Id!);
        Assert.NotNull(dead);
        Assert.Equal("gone", dead.Reason);
        Assert.Equal(410, dead.LastStatus);
        Assert.Equal(row.RowKey, dead.EventRow);

        // A retry would come within 0.5 s: none came before a later event's retry at that cap.
        await DeliveryCaughtUpAsync(runner, receiver);
        Assert.Single(ReceivedFor(receiver, job));
    }

    [Fact]
    public async Task GivingUp_AfterTheAttemptCap_LeavesADeadLetter_ThatAnOperatorCanReplay()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var up = false;
        receiver.Answer = _ => Volatile.Read(ref up) ? (204, null) : (503, null);
        var settings = NotifyTesting.Settings(receiver, _secret);
        settings["NOTIFY_MAX_ATTEMPTS"] = "3";
        await using var runner = await Runner.StartAsync(azurite, settings);
        var job = await runner.NewJobAsync();
        await NotifyTesting.RunningAsync(runner, job);

        var row = Assert.Single(await Eventually.WaitAsync(() => NotifyTesting.OutboxAsync(runner, job), rows => rows.All(r => r.State == OutboxEntity.Dead), what: "given up"));
        var dead = await NotifyTesting.DeadLetterAsync(runner, row.WebhookId);
        Assert.NotNull(dead);
        Assert.Equal(("gave_up", 3, 503, "job.running"), (dead.Reason, dead.Attempts, dead.LastStatus, dead.Type));
        await DeliveryCaughtUpAsync(runner, receiver);
        Assert.Equal(3, ReceivedFor(receiver, job).Count);

        // The documented replay: set Replay = true on the dead letter; the next sweep sends it again, with the same id.
        Volatile.Write(ref up, true);
        await runner.Table("notifydeadletters").UpdateEntityAsync(new TableEntity(DeadLetterEntity.Partition, row.WebhookId) { ["Replay"] = true }, Azure.ETag.All, TableUpdateMode.Merge);
        await runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);
        var received = await Eventually.WaitAsync(() => Task.FromResult(ReceivedFor(receiver, job)), r => r.Count >= 4, TimeSpan.FromSeconds(30), "the replay");
        Assert.Equal(row.WebhookId, received[3].Id);
        Assert.Single(await Eventually.WaitAsync(() => NotifyTesting.OutboxAsync(runner, job), rows => rows.All(r => r.State == OutboxEntity.Delivered), what: "the replay acknowledged"));
        Assert.Null(await NotifyTesting.DeadLetterAsync(runner, row.WebhookId));
    }

    [Fact]
    public async Task ReceiverDown_ForAWhile_GetsEveryEventOnceItIsBack()
    {
        await using var receiver = WebhookReceiver.Down();
        var settings = NotifyTesting.Settings(receiver, _secret);
        settings["NOTIFY_MAX_ATTEMPTS"] = "1000";
        await using var runner = await Runner.StartAsync(azurite, settings);
        var jobs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var job = await runner.NewJobAsync();
            await NotifyTesting.RunningAsync(runner, job);
            jobs.Add(job);
        }

        foreach (var job in jobs)
        {
            await Eventually.WaitAsync(() => NotifyTesting.OutboxAsync(runner, job), rows => rows.Single().Attempts >= 3, what: "attempts failing while the receiver is down");
        }

        await receiver.ListenAsync();
        await ReceivedAsync(receiver, 3, "every event once the receiver is back");
        var marker = await DeliveryCaughtUpAsync(runner, receiver);
        var received = receiver.Received.Where(r => r.JobId != marker).ToList();
        Assert.Equal(jobs.Order(), received.Select(r => r.JobId).Order());
        Assert.Equal(3, received.Select(r => r.Id).Distinct().Count());
        Assert.All(received, r => Assert.True(WebhookReceiver.SignatureIsValid(_secret, r.Id, r.Timestamp, r.Signature, r.Body)));
    }

    [Fact]
    public async Task Publish_AnAgentEventForAnEndedJob_IsDeliveredOncePerKey()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var runner = await Runner.StartAsync(azurite, NotifyTesting.Settings(receiver, _secret));
        var job = await runner.NewJobAsync();
        await NotifyTesting.RunningAsync(runner, job);
        await ReceivedAsync(receiver, 1, "job.running");
        await runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);
        Assert.False(await NotifyTesting.WatchedAsync(runner, job));

        var outbox = runner.Services.GetRequiredService<NotificationOutbox>();
        Assert.True(await outbox.PublishAsync(EventTypes.AgentUnhealthy, job, "since-0900", CancellationToken.None));
        Assert.False(await outbox.PublishAsync(EventTypes.AgentUnhealthy, job, "since-0900", CancellationToken.None));
        Assert.True(await outbox.PublishAsync(EventTypes.AgentRecovered, job, "since-0900", CancellationToken.None));

        await ReceivedAsync(receiver, 3, "both agent events");
        var marker = await DeliveryCaughtUpAsync(runner, receiver);
        var received = receiver.Received.Where(r => r.JobId != marker).ToList();
        Assert.Equal(["agent.recovered", "agent.unhealthy", "job.running"], received.Select(r => r.Type).Order());
        Assert.All(received, r => Assert.Equal(job, r.JobId));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => outbox.PublishAsync("job.exploded", job, null, CancellationToken.None));
    }

    [Fact]
    public async Task NotConfigured_NothingIsWrittenOrSent()
    {
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["AzureWebJobs.DeliverNotification.Disabled"] = "false" });
        var job = await runner.NewJobAsync();
        await NotifyTesting.RunningAsync(runner, job);
        Assert.Empty(await NotifyTesting.OutboxAsync(runner, job));
        Assert.False(await runner.Services.GetRequiredService<NotificationOutbox>().PublishAsync(EventTypes.JobStalled, job, "runner", CancellationToken.None));
        Assert.Empty(await NotifyTesting.OutboxAsync(runner, job));
    }

    [Theory]
    [InlineData("NOTIFY_URL", "https://hooks.example.com/p", "NOTIFY_SECRET is not")]
    [InlineData("NOTIFY_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "NOTIFY_URL is not")]
    public async Task Start_WithOnlyOneOfTheTwoSettings_StopsNamingTheOther(string setting, string value, string message)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Runner.StartAsync(azurite, new Dictionary<string, string?> { [setting] = value }));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain-secret", "does not start with whsec_")]
    [InlineData("whsec_!!!not base64", "not base64")]
    public async Task Start_WithASecretNotInTheStandardFormat_Stops(string secret, string message)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Runner.StartAsync(azurite, new Dictionary<string, string?> { ["NOTIFY_URL"] = "https://hooks.example.com/p", ["NOTIFY_SECRET"] = secret }));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
    }
}
