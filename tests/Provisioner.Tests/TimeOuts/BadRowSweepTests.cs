using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;
using Provisioner.Tests.Notifications;

namespace Provisioner.Tests.TimeOuts;

/// <summary>
/// Sweeps survive a bad row: one malformed row in the table a sweep reads is logged with its id
/// and skipped, and the sweep goes on with the others (the time-out sweep, the health sweep, the
/// notification flush, the dead-letter replay). Own Azurite: moving the clock must not fail other
/// tests' jobs, and the rows written here are broken on purpose.
/// </summary>
public sealed class BadRowSweepTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private WebhookReceiver _receiver = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
        _runner = await Runner.StartAsync(_azurite, NotifyTesting.Settings(_receiver, WebhookReceiver.NewSecret(), deliver: false), time: _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _receiver.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private T Service<T>()
        where T : notnull => _runner.Services.GetRequiredService<T>();

    /// <summary>Jobs whose ids sort around <paramref name="bad"/>'s, so the sweep meets a good row before and after it.</summary>
    private async Task<(Guid Before, Guid Bad, Guid After)> ThreeJobsAsync()
    {
        var jobs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await _runner.NewJobAsync());
        }

        jobs.Sort((a, b) => string.CompareOrdinal(a.ToString("D"), b.ToString("D")));
        return (jobs[0], jobs[1], jobs[2]);
    }

    private bool Logged(Guid id) => _runner.Logs.Lines.Any(l => l.Contains(id.ToString("D"), StringComparison.Ordinal) && l.Contains("skipped", StringComparison.Ordinal));

    [Fact]
    public async Task TimeoutSweep_AMalformedJobRow_IsLoggedAndSkipped_AndTheOtherJobsTimeOut()
    {
        var (before, bad, after) = await ThreeJobsAsync();

        // A value of the wrong type where the job's creation time belongs: the row cannot be read as a job.
        await _runner.Table("jobs").UpsertEntityAsync(new TableEntity(bad.ToString("D"), JobEntity.Row) { ["CreatedAt"] = "not a time", ["Attempt"] = "one" }, TableUpdateMode.Merge);
        _time.Advance(TimeSpan.FromHours(2));

        var result = await Service<TimeoutSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(1, result.Skipped);
        Assert.Equal(2, result.TimedOut);
        Assert.Equal("failed", (await _runner.GetJobAsync(before)).Body.GetProperty("status").GetString());
        Assert.Equal("failed", (await _runner.GetJobAsync(after)).Body.GetProperty("status").GetString());
        Assert.True(Logged(bad), "the skipped job is logged with its id");

        // It stays watched, to be tried again by the next sweep.
        Assert.True((await _runner.Table("inflight").GetEntityIfExistsAsync<TableEntity>(InFlightEntity.Partition, bad.ToString("D"))).HasValue);
    }

    [Fact]
    public async Task HealthSweep_AMalformedRow_IsLoggedAndSkipped_AndTheOtherAgentsAreSwept()
    {
        var table = _runner.Table("agenthealth");
        await table.CreateIfNotExistsAsync();
        var running = _time.GetUtcNow().AddHours(-1);
        var (first, bad, last) = ("agent-bad-row-a", "agent-bad-row-b", "agent-bad-row-c");
        var badJob = Guid.NewGuid();

        // Silent agents whose job no agent row knows: each sweep takes them out of the index.
        foreach (var agent in new[] { first, last })
        {
            await table.AddEntityAsync(new TableEntity(AgentHealthEntity.Partition, agent) { ["JobId"] = Guid.NewGuid(), ["RunningAt"] = running });
        }

        // A report whose checks are not JSON: the row cannot be read as a record.
        await table.AddEntityAsync(new TableEntity(AgentHealthEntity.Partition, bad) { ["JobId"] = badJob, ["RunningAt"] = running, ["ReportStatus"] = "ok", ["ChecksJson"] = "{not json" });

        await Service<AgentHealthSweeper>().SweepAsync(CancellationToken.None);

        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(AgentHealthEntity.Partition, first)).HasValue);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(AgentHealthEntity.Partition, last)).HasValue);
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(AgentHealthEntity.Partition, bad)).HasValue);
        Assert.True(Logged(badJob), "the skipped row is logged with its job id");
    }

    [Fact]
    public async Task NotificationFlush_AMalformedOutboxRow_IsLoggedAndSkipped_AndTheOthersAreEnqueued()
    {
        var job = await _runner.NewJobAsync();
        var jobs = _runner.Table("jobs");
        var at = _time.GetUtcNow().AddMinutes(-10);
        foreach (var row in new[] { "ev-a.good", "ev-z.good" })
        {
            await jobs.UpsertEntityAsync(new TableEntity(job.ToString("D"), row) { ["Type"] = "job.test", ["WebhookId"] = "msg_" + row, ["Body"] = "{}", ["RaisedAt"] = at, ["Since"] = at, ["State"] = "pending" });
        }

        await jobs.UpsertEntityAsync(new TableEntity(job.ToString("D"), "ev-m.bad") { ["Type"] = "job.test", ["WebhookId"] = "msg_bad", ["Body"] = "{}", ["RaisedAt"] = at, ["Since"] = "yesterday", ["State"] = "pending" });

        var waiting = await Service<NotificationOutbox>().FlushAsync(job, _time.GetUtcNow(), CancellationToken.None);

        foreach (var row in new[] { "ev-a.good", "ev-z.good" })
        {
            Assert.NotNull((await jobs.GetEntityAsync<TableEntity>(job.ToString("D"), row)).Value.GetDateTimeOffset("EnqueuedAt"));
        }

        Assert.True(waiting, "the job is held while a row of it could not be put on the queue");
        Assert.True(Logged(job), "the skipped row is logged with its job id");
    }

    [Fact]
    public async Task DeadLetterReplay_AMalformedDeadLetter_IsLoggedAndSkipped_AndTheOthersAreReplayed()
    {
        var job = await _runner.NewJobAsync();
        var badJob = Guid.NewGuid();
        var jobs = _runner.Table("jobs");
        var letters = _runner.Table("notifydeadletters");
        await letters.CreateIfNotExistsAsync();
        var at = _time.GetUtcNow().AddMinutes(-10);
        await jobs.UpsertEntityAsync(new TableEntity(job.ToString("D"), "ev-dead") { ["Type"] = "job.test", ["WebhookId"] = "msg_dead", ["Body"] = "{}", ["RaisedAt"] = at, ["Since"] = at, ["State"] = "dead" });
        await jobs.UpsertEntityAsync(new TableEntity(badJob.ToString("D"), "ev-dead") { ["Type"] = "job.test", ["WebhookId"] = "msg_bad", ["Body"] = "{}", ["RaisedAt"] = at, ["Since"] = "yesterday", ["State"] = "dead" });
        foreach (var (row, id) in new[] { ("a-bad", badJob), ("b-good", job) })
        {
            await letters.AddEntityAsync(new TableEntity(DeadLetterEntity.Partition, row) { ["JobId"] = id.ToString("D"), ["EventRow"] = "ev-dead", ["Type"] = "job.test", ["RaisedAt"] = at, ["DeadAt"] = at, ["Attempts"] = 3, ["Reason"] = "test", ["Replay"] = true });
        }

        var replayed = await Service<NotificationOutbox>().ReplayRequestedAsync(CancellationToken.None);

        Assert.Equal(1, replayed);
        Assert.Equal("pending", (await jobs.GetEntityAsync<TableEntity>(job.ToString("D"), "ev-dead")).Value.GetString("State"));
        Assert.False((await letters.GetEntityIfExistsAsync<TableEntity>(DeadLetterEntity.Partition, "b-good")).HasValue);

        // The bad one stays for an operator to look at.
        Assert.True((await letters.GetEntityIfExistsAsync<TableEntity>(DeadLetterEntity.Partition, "a-bad")).HasValue);
        Assert.True(Logged(badJob), "the skipped dead letter is logged with its job id");
    }
}
