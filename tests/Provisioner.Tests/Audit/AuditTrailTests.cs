using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Audit;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Audit;

/// <summary>
/// An entry is written in the same transaction as the change it records (docs/audit.md, "Written
/// with the change"): with the audit table gone, a create still leaves its entry beside the job, and
/// the sweep copies it into the log before it lets the job go. Its own Azurite: the test deletes the
/// audit table, which the other tests of a shared one would miss.
/// </summary>
public sealed class AuditTrailTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task AnEntryTheLogCouldNotTake_StaysWithItsJob_AndTheSweepCopiesItBeforeLettingTheJobGo()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var runner = await Runner.StartAsync(
            azurite,
            new Dictionary<string, string?>
            {
                ["AzureWebJobs.DispatchJob.Disabled"] = "true", // the job stays queued, so a cancel ends it at once
                ["AzureWebJobs.FailStuckJobs.Disabled"] = "true", // the sweep runs when this test says
            },
            time: time);
        var tables = new TableServiceClient(azurite.ConnectionString);
        var audit = tables.GetTableClient(StorageNames.AuditTable);
        var jobs = tables.GetTableClient(StorageNames.JobsTable);
        var agent = Runner.NewAgentId();

        await audit.DeleteAsync(); // the log cannot be written now
        using var created = await runner.Client.PostAsJsonAsync("/api/jobs", new { agent_id = agent, region = "eu-central" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode); // the change stands
        var jobId = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();

        // Its entry was written with the job row, in the job's partition.
        var kept = await KeptAsync(jobs, jobId);
        var entry = Assert.Single(kept);
        Assert.Equal("job.create", entry.GetString("Action"));
        Assert.Equal(202, entry.GetInt32("StatusCode"));
        Assert.Equal(agent, entry.GetString("AgentId"));
        Assert.Equal("job/" + jobId.ToString("D"), entry.GetString("Target"));

        await audit.CreateIfNotExistsAsync(); // the log is back
        time.Advance(TimeSpan.FromSeconds(1)); // the cancel after the create, on this clock too
        using (var cancel = await runner.Client.PostAsync(new Uri($"/api/jobs/{jobId}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        // The cancel's entry went through to the log just after its answer, and its row was removed; the create's is still only with the job.
        await Eventually.WaitAsync(() => KeptAsync(jobs, jobId), rows => rows.Count == 1, TimeSpan.FromSeconds(10), "the cancel's entry copied");
        Assert.Equal(["job.cancel"], await ActionsAsync(runner, agent));

        // The job has ended; the sweep copies the entry once it is older than a request takes, and only then lets the job go.
        await runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);
        Assert.Single(await KeptAsync(jobs, jobId)); // too young: its request may still be copying it
        Assert.True(await WatchedAsync(tables, jobId));

        time.Advance(AuditTrail.CopyGrace + TimeSpan.FromSeconds(1));
        await runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);
        Assert.Empty(await KeptAsync(jobs, jobId));
        Assert.Equal(["job.cancel", "job.create"], await ActionsAsync(runner, agent));
        Assert.False(await WatchedAsync(tables, jobId));

        // Copied once: a second sweep adds nothing.
        await runner.Services.GetRequiredService<TimeoutSweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal(["job.cancel", "job.create"], await ActionsAsync(runner, agent));
    }

    [Fact]
    public async Task ARetrysEntry_RidesOnTheEndedJobsLink_AndWhenTheLogCannotTakeIt_TheSweepIsGivenThatJobAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var runner = await Runner.StartAsync(
            azurite,
            new Dictionary<string, string?> { ["AzureWebJobs.DispatchJob.Disabled"] = "true", ["AzureWebJobs.FailStuckJobs.Disabled"] = "true" },
            time: time);
        var tables = new TableServiceClient(azurite.ConnectionString);
        var audit = tables.GetTableClient(StorageNames.AuditTable);
        var jobs = tables.GetTableClient(StorageNames.JobsTable);
        var sweeper = runner.Services.GetRequiredService<TimeoutSweeper>();
        var agent = Runner.NewAgentId();
        var job = await runner.NewJobAsync(agent);
        using (var failed = await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"}}"))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        await Eventually.WaitAsync(() => KeptAsync(jobs, job), rows => rows.Count == 0, TimeSpan.FromSeconds(10), "the create's entry copied");
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.False(await WatchedAsync(tables, job)); // ended, holding nothing: let go

        await audit.DeleteAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        using (var retried = await runner.Client.PostAsJsonAsync($"/api/jobs/{job}/retry", new { from = "start" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        }

        // The entry is with the ended job (the retry's first write is its link), and the failed copy put that job back in the index.
        await Eventually.WaitAsync(() => WatchedAsync(tables, job), watched => watched, TimeSpan.FromSeconds(10), "the ended job watched again");
        Assert.Equal("job.retry", Assert.Single(await KeptAsync(jobs, job)).GetString("Action"));

        await audit.CreateIfNotExistsAsync();
        time.Advance(AuditTrail.CopyGrace + TimeSpan.FromSeconds(1));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Empty(await KeptAsync(jobs, job));
        Assert.Equal(["job.retry"], await ActionsAsync(runner, agent)); // the create's copy went with the table
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.False(await WatchedAsync(tables, job));
    }

    [Fact]
    public async Task AChangeAndItsEntry_AreOneTransaction_ARequestWithoutAChangeWritesNoRowBesideTheJob()
    {
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["AzureWebJobs.DispatchJob.Disabled"] = "true" });
        var jobs = new TableServiceClient(azurite.ConnectionString).GetTableClient(StorageNames.JobsTable);
        var agent = Runner.NewAgentId();
        using var created = await runner.Client.PostAsJsonAsync("/api/jobs", new { agent_id = agent, region = "eu-central" });
        var jobId = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();

        // A second create for the same agent is refused (409) and writes no job: its entry goes straight to the log.
        using var refused = await runner.Client.PostAsJsonAsync("/api/jobs", new { agent_id = agent, region = "eu-central" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var page = await Eventually.WaitAsync(() => AuditPageAsync(runner, agent), p => p.Count >= 2, TimeSpan.FromSeconds(10), "both entries copied");
        Assert.Equal(["job.create", "job.create"], page.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal([409, 202], page.Select(e => e.GetProperty("status_code").GetInt32()));

        // Nothing is left beside the job once its request copied the entry.
        await Eventually.WaitAsync(() => KeptAsync(jobs, jobId), rows => rows.Count == 0, TimeSpan.FromSeconds(10), "the create's row removed after its copy");
    }

    private static async Task<List<TableEntity>> KeptAsync(TableClient jobs, Guid jobId)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {jobId.ToString("D")} and RowKey ge {AuditTrail.RowPrefix} and RowKey lt {"au."}");
        var rows = new List<TableEntity>();
        await foreach (var row in jobs.QueryAsync<TableEntity>(filter))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<bool> WatchedAsync(TableServiceClient tables, Guid jobId) =>
        (await tables.GetTableClient(StorageNames.InFlightTable).GetEntityIfExistsAsync<TableEntity>(InFlightEntity.Partition, jobId.ToString("D"))).HasValue;

    private static async Task<List<JsonElement>> AuditPageAsync(Runner runner, string agent)
    {
        using var response = await runner.Client.GetAsync(new Uri($"/api/audit?agent_id={agent}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await Runner.ReadJsonAsync(response)).GetProperty("entries").EnumerateArray()];
    }

    private static async Task<string[]> ActionsAsync(Runner runner, string agent) =>
        [.. (await AuditPageAsync(runner, agent)).Select(e => e.GetProperty("action").GetString() ?? "")];
}
