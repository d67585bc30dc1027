using System.Net;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Lifecycle;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Lifecycle;

/// <summary>
/// A cancel whose message fails every delivery, as the runner drives <c>CancelRun</c> and
/// <c>RecordPoisonedCancel</c> (host.json semantics, shortened), against Azurite and a fake GitHub
/// whose cancel endpoint keeps failing: the message lands in <c>cancel-runs-poison</c>, its handler
/// records the failure on the job, and the sweeper sends the cancel again.
/// </summary>
public sealed class CancelPoisonTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private FakeGitHub _github => _setup.GitHub;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartAsync(new Dictionary<string, string?>
    {
        ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "3",
        ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.100",
    });

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    private int CancelCalls(string runId) => _github.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith($"/actions/runs/{runId}/cancel", StringComparison.Ordinal));

    private async Task<Guid> ClaimedJobAsync(string runId)
    {
        _github.Then(200, $"{{\"workflow_run_id\": {runId}}}");
        var job = await _runner.NewJobAsync();
        await _github.WaitForRequestsAsync(1);
        await Eventually.WaitAsync(() => _runner.Services.GetRequiredService<JobStore>().FindAsync(job, CancellationToken.None), j => j?.WorkflowRunId == runId, what: $"job {job} dispatched");
        using var claim = await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"{runId}\"}}");
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        return job;
    }

    [Fact]
    public async Task CancelFailingEveryDelivery_PoisonRecordedOnTheJobAndTheSweepSendsIt()
    {
        var job = await ClaimedJobAsync("9100");
        _github.Route = r => r.Path.EndsWith("/cancel", StringComparison.Ordinal) ? new FakeGitHub.Answer(502) : null;

        using var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var store = _runner.Services.GetRequiredService<JobStore>();
        var failed = await Eventually.WaitAsync(() => store.FindAsync(job, CancellationToken.None), j => j?.CancelSendFailedAt is not null, what: $"job {job} records its poisoned cancel");
        Assert.Equal(JobStatus.Cancelling, failed!.Status);
        Assert.Null(failed.CancelSentAt);
        Assert.True(CancelCalls("9100") >= 3); // every delivery tried
        Assert.Empty((await _runner.Services.GetRequiredService<StorageClients>().Queue(CancelRunMessage.PoisonQueue).PeekMessagesAsync(1)).Value); // taken off the poison queue

        // GitHub is back: the sweep sends the cancel the queue gave up on, once.
        _github.Route = null;
        var before = CancelCalls("9100");
        await _runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal(before, CancelCalls("9100")); // not yet: asked for less than two minutes ago
        var later = ActivatorUtilities.CreateInstance<TimeoutSweeper>(_runner.Services, (TimeProvider)new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(3)));
        await later.SweepAsync(CancellationToken.None);
        await later.SweepAsync(CancellationToken.None);
        Assert.Equal(before + 1, CancelCalls("9100"));
        Assert.NotNull((await store.FindAsync(job, CancellationToken.None))!.CancelSentAt);
    }

    [Fact]
    public async Task PoisonedCancel_NothingLeftToSendOrUnreadable_ChangesNothing()
    {
        var job = await ClaimedJobAsync("9200");
        using var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null);
        var store = _runner.Services.GetRequiredService<JobStore>();
        var sent = await Eventually.WaitAsync(() => store.FindAsync(job, CancellationToken.None), j => j?.CancelSentAt is not null, what: $"job {job} cancel sent");
        var handler = _runner.Services.GetRequiredService<CancelRunHandler>();

        await handler.HandlePoisonAsync(CancelRunMessage.Create(job), CancellationToken.None); // a late copy of a message that got through
        await handler.HandlePoisonAsync("{\"job_id\": 7}", CancellationToken.None);
        await handler.HandlePoisonAsync(CancelRunMessage.Create(Guid.NewGuid()), CancellationToken.None);

        Assert.Equal(sent, await store.FindAsync(job, CancellationToken.None));
    }
}
