using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Notifications;

/// <summary>
/// Notifications on fake time: the test takes each message off the queue and hands it to the
/// delivery handler itself, so it decides when "later" is. Own Azurite: moving the clock must
/// not touch other tests' jobs.
/// </summary>
public sealed class NotificationFakeTimeTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _secret = WebhookReceiver.NewSecret();
    private WebhookReceiver _receiver = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
        var settings = NotifyTesting.Settings(_receiver, _secret, deliver: false);
        settings["NOTIFY_RETRY_BASE_SECONDS"] = "1";
        settings["NOTIFY_RETRY_MAX_SECONDS"] = "600";
        _runner = await Runner.StartAsync(_azurite, settings, time: _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _receiver.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private StorageClients Storage => _runner.Services.GetRequiredService<StorageClients>();

    private NotificationDelivery Delivery => _runner.Services.GetRequiredService<NotificationDelivery>();

    private Task<SweepResult> SweepAsync() => _runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);

    /// <summary>Hands every visible message to the delivery handler, as the queue trigger would; returns how many.</summary>
    private async Task<int> DeliverVisibleAsync()
    {
        var handled = 0;
        while ((await Storage.NotifyQueue.ReceiveMessagesAsync(16)).Value is { Length: > 0 } messages)
        {
            foreach (var message in messages)
            {
                await Delivery.HandleAsync(message.Body.ToString(), CancellationToken.None);
                await Storage.NotifyQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                handled++;
            }
        }

        return handled;
    }

    [Theory]
    [InlineData(false, 120)]
    [InlineData(true, 300)]
    public async Task RetryAfter_IsHonoured_NothingIsSentBeforeIt(bool asDate, int seconds)
    {
        var calls = 0;
        var start = _time.GetUtcNow();
        _receiver.Answer = _ => Interlocked.Increment(ref calls) == 1
            ? (503, asDate ? start.AddSeconds(seconds).ToString("R", CultureInfo.InvariantCulture) : seconds.ToString(CultureInfo.InvariantCulture))
            : (200, null);
        var job = await _runner.NewJobAsync();
        await NotifyTesting.RunningAsync(_runner, job, _time.GetUtcNow());

        Assert.Equal(1, await DeliverVisibleAsync());
        var row = Assert.Single(await NotifyTesting.OutboxAsync(_runner, job));
        Assert.Equal((1, 503), (row.Attempts, row.LastStatus));
        Assert.Equal(start.AddSeconds(seconds), row.NextAttemptAt!.Value, TimeSpan.FromSeconds(1));

        // The next attempt is on the queue, hidden for the Retry-After (not by a function that sleeps).
        Assert.Equal(1, (await Storage.NotifyQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await Storage.NotifyQueue.PeekMessagesAsync()).Value);

        // Were it delivered early, it is not sent: it waits the rest.
        var next = new NotificationMessage(job, row.RowKey, 2).Serialize();
        _time.Advance(TimeSpan.FromSeconds(seconds / 2));
        await Delivery.HandleAsync(next, CancellationToken.None);
        Assert.Single(_receiver.Received);

        _time.Advance(TimeSpan.FromSeconds((seconds / 2) + 1));
        await Delivery.HandleAsync(next, CancellationToken.None);
        Assert.Equal(2, _receiver.Received.Count);
        Assert.Equal(_receiver.Received[0].Id, _receiver.Received[1].Id);
        Assert.Equal(OutboxEntity.Delivered, Assert.Single(await NotifyTesting.OutboxAsync(_runner, job)).State);
    }

    [Fact]
    public async Task Stalled_NearTheSilenceDeadline_IsRaisedOncePerDeadline()
    {
        var job = await _runner.NewJobAsync();

        // JOB_TIMEOUT_MINUTES is 15: the warning comes once 80 % of it has passed (12 minutes), and once.
        _time.Advance(TimeSpan.FromMinutes(11.5));
        await SweepAsync();
        Assert.Empty(await NotifyTesting.OutboxAsync(_runner, job));

        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();
        await SweepAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await SweepAsync();
        Assert.Equal(1, await DeliverVisibleAsync());
        var stalled = Assert.Single(_receiver.Received);
        Assert.Equal(("job.stalled", job, "queued"), (stalled.Type, stalled.JobId, stalled.Json.GetProperty("data").GetProperty("status").GetString()));
        Assert.True(WebhookReceiver.SignatureIsValid(_secret, stalled.Id, stalled.Timestamp, stalled.Signature, stalled.Body));

        // Past the deadline the job fails: job.failed follows, and no second warning.
        _time.Advance(TimeSpan.FromMinutes(3));
        await SweepAsync();
        Assert.Equal(1, await DeliverVisibleAsync());
        Assert.Equal(["job.stalled", "job.failed"], _receiver.Received.Select(r => r.Type));
        Assert.Equal("silent", _receiver.Received[1].Json.GetProperty("data").GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task EventWrittenButNotQueued_TheSweeperQueuesIt_AndKeepsTheJobWatchedUntilThen()
    {
        var job = await _runner.NewJobAsync();
        await Storage.NotifyQueue.DeleteAsync(); // the enqueue after the state change fails
        await NotifyTesting.RunningAsync(_runner, job, _time.GetUtcNow());
        var row = Assert.Single(await NotifyTesting.OutboxAsync(_runner, job));
        Assert.Equal((OutboxEntity.Pending, (DateTimeOffset?)null), (row.State, row.EnqueuedAt));
        Assert.Equal("running", (await _runner.GetJobAsync(job)).Body.GetProperty("status").GetString());

        // The job has ended, but its event is not on the queue: the sweeper keeps it.
        await Storage.NotifyQueue.CreateIfNotExistsAsync();
        await SweepAsync();
        Assert.True(await NotifyTesting.WatchedAsync(_runner, job));
        Assert.Equal(0, await DeliverVisibleAsync());

        _time.Advance(NotificationOutbox.EnqueueGrace + TimeSpan.FromSeconds(1));
        await SweepAsync();
        Assert.Equal(1, await DeliverVisibleAsync());
        Assert.Equal(("job.running", job), (Assert.Single(_receiver.Received).Type, _receiver.Received[0].JobId));

        await SweepAsync();
        Assert.False(await NotifyTesting.WatchedAsync(_runner, job));
        Assert.Equal(0, await DeliverVisibleAsync());
        Assert.Single(_receiver.Received);
    }
}
