using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Lifecycle;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Lifecycle;

/// <summary>
/// GET /api/jobs and GET /api/agents/{agent_id}/jobs over HTTP. Each test has an Azurite of its
/// own, so the list of all jobs holds exactly the jobs the test made.
/// </summary>
public sealed class JobListHttpTests : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _runner = await Runner.StartAsync(_azurite, new Dictionary<string, string?>(), _time);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private async Task<Guid> NewJobAsync(string? agentId = null)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return await _runner.NewJobAsync(agentId);
    }

    private async Task CallbackAsync(Guid job, string fields)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        var response = await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",{fields}}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement> ListAsync(string path)
    {
        using var response = await _runner.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await Runner.ReadJsonAsync(response);
    }

    private static Guid[] Ids(JsonElement page) => [.. page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetGuid())];

    /// <summary>Every page of a list, following the continuation tokens.</summary>
    private async Task<List<Guid[]>> PagesAsync(string path, int limit)
    {
        var pages = new List<Guid[]>();
        string? continuation = null;
        do
        {
            var separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var page = await ListAsync($"{path}{separator}limit={limit}" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation)));
            pages.Add(Ids(page));
            continuation = page.GetProperty("continuation").GetString();
        }
        while (continuation is not null && pages.Count < 50);

        return pages;
    }

    [Fact]
    public async Task ListJobs_FiveJobs_NewestFirstInPagesOfTheLimit()
    {
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await NewJobAsync());
        }

        var pages = await PagesAsync("/api/jobs", limit: 2);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Length));
        Assert.Equal(Enumerable.Reverse(created), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task ListJobs_ExactlyTheLimit_LastPageHasNoContinuation()
    {
        var first = await NewJobAsync();
        var second = await NewJobAsync();

        var page = await ListAsync("/api/jobs?limit=2");

        Assert.Equal([second, first], Ids(page));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("continuation").ValueKind);
    }

    [Fact]
    public async Task ListJobs_NoJobs_EmptyPage()
    {
        var page = await ListAsync("/api/jobs?status=failed");

        Assert.Empty(page.GetProperty("jobs").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("continuation").ValueKind);
    }

    [Fact]
    public async Task ListJobs_StatusFilter_FollowsEachJobThroughItsStatuses()
    {
        var queued = await NewJobAsync();
        var provisioning = await NewJobAsync();
        var running = await NewJobAsync();
        var failed = await NewJobAsync();
        await CallbackAsync(provisioning, "\"status\":\"provisioning\"");
        await CallbackAsync(running, "\"status\":\"provisioning\"");
        await CallbackAsync(running, "\"status\":\"running\",\"server_id\":\"42\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"");
        await CallbackAsync(failed, "\"status\":\"provisioning\"");
        await CallbackAsync(failed, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");

        Assert.Equal([queued], Ids(await ListAsync("/api/jobs?status=queued")));
        Assert.Equal([provisioning], Ids(await ListAsync("/api/jobs?status=provisioning")));
        Assert.Equal([running], Ids(await ListAsync("/api/jobs?status=running")));
        Assert.Equal([failed], Ids(await ListAsync("/api/jobs?status=failed")));
        Assert.Equal([failed, running, provisioning, queued], Ids(await ListAsync("/api/jobs")));

        // The entries a job left are gone, not merely skipped.
        var index = _runner.Table(StorageNames.JobIndexTable);
        var queuedEntries = await index.QueryAsync<TableEntity>(e => e.PartitionKey == JobIndex.StatusPartition(JobStatus.Queued)).ToListAsync();
        Assert.Single(queuedEntries);
    }

    [Fact]
    public async Task ListJobs_FailedJob_SummaryHasItsStepAndDuration()
    {
        var job = await NewJobAsync();
        await CallbackAsync(job, "\"status\":\"provisioning\"");
        await CallbackAsync(job, "\"status\":\"failed\",\"error\":\"apt failed\",\"failed_step\":\"install\"");

        var summary = Assert.Single((await ListAsync("/api/jobs?status=failed")).GetProperty("jobs").EnumerateArray());

        Assert.Equal(job, summary.GetProperty("job_id").GetGuid());
        Assert.Equal("provision", summary.GetProperty("kind").GetString());
        Assert.Equal("eu-central", summary.GetProperty("region").GetString());
        Assert.Equal("failed", summary.GetProperty("status").GetString());
        Assert.Equal(1, summary.GetProperty("attempt").GetInt32());
        Assert.Equal("installing", summary.GetProperty("failed_step").GetString());
        Assert.Equal(2.0, summary.GetProperty("duration_seconds").GetDouble());
        Assert.Equal("2026-12-01T09:00:01.000Z", summary.GetProperty("created_at").GetString());
        Assert.Equal("2026-12-01T09:00:03.000Z", summary.GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task ListJobs_InFlightJob_HasNoDurationNorFailedStep()
    {
        await NewJobAsync();

        var summary = Assert.Single((await ListAsync("/api/jobs")).GetProperty("jobs").EnumerateArray());

        Assert.Equal(JsonValueKind.Null, summary.GetProperty("duration_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("failed_step").ValueKind);
    }

    [Fact]
    public async Task ListAgentJobs_ThreeAttempts_NewestFirstPagedAndNoOtherAgentsJobs()
    {
        var agent = Runner.NewAgentId();
        var attempts = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var job = await NewJobAsync(agent);
            attempts.Add(job);
            await NewJobAsync(); // another agent's job in between
            if (i < 2)
            {
                await CallbackAsync(job, "\"status\":\"failed\",\"error\":\"no capacity\",\"failed_step\":\"vm_created\"");
            }
        }

        var pages = await PagesAsync($"/api/agents/{agent}/jobs", limit: 2);

        Assert.Equal([2, 1], pages.Select(p => p.Length));
        Assert.Equal(Enumerable.Reverse(attempts), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task ListAgentJobs_UnknownAgent_EmptyPage()
    {
        var page = await ListAsync($"/api/agents/{Runner.NewAgentId()}/jobs");

        Assert.Empty(page.GetProperty("jobs").EnumerateArray());
    }

    [Fact]
    public async Task ListJobs_CreateRepeatedWithItsIdempotencyKey_ListedOnce()
    {
        var agent = Runner.NewAgentId();
        var key = Guid.NewGuid().ToString();
        var (first, body) = await _runner.CreateJobAsync(agent, idempotencyKey: key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        _time.Advance(TimeSpan.FromSeconds(5)); // the repeat writes its entries under its own time
        Assert.Equal(HttpStatusCode.Accepted, (await _runner.CreateJobAsync(agent, idempotencyKey: key)).Response.StatusCode);
        var job = body.GetProperty("job_id").GetGuid();

        Assert.Equal([job], Ids(await ListAsync("/api/jobs")));
        Assert.Equal([job], Ids(await ListAsync($"/api/agents/{agent}/jobs")));
        Assert.Equal([job], Ids(await ListAsync("/api/jobs?status=queued")));

        // The stray entries were removed, not just skipped.
        var all = await _runner.Table(StorageNames.JobIndexTable).QueryAsync<TableEntity>(e => e.PartitionKey == JobIndex.AllPartition).ToListAsync();
        Assert.Single(all);
    }

    [Fact]
    public async Task ListAgentJobs_RefusedCreate_IsNotListed()
    {
        var agent = Runner.NewAgentId();
        var first = await NewJobAsync(agent);
        var (refused, _) = await _runner.CreateJobAsync(agent);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        Assert.Equal([first], Ids(await ListAsync($"/api/agents/{agent}/jobs")));
        Assert.Equal([first], Ids(await ListAsync("/api/jobs")));
    }

    [Theory]
    [InlineData("/api/jobs?status=bogus", "status")]
    [InlineData("/api/jobs?status=Failed", "status")]
    [InlineData("/api/jobs?status=failed&status=running", "status")]
    [InlineData("/api/jobs?limit=0", "limit")]
    [InlineData("/api/jobs?limit=101", "limit")]
    [InlineData("/api/jobs?limit=ten", "limit")]
    [InlineData("/api/jobs?limit=-1", "limit")]
    [InlineData("/api/jobs?continuation=not-a-token", "continuation")]
    [InlineData("/api/jobs?continuation=MDAwMDAwMDAwMDAwMDAwMDAwMF94", "continuation")]
    [InlineData("/api/agents/ok-agent/jobs?limit=1000", "limit")]
    [InlineData("/api/agents/ok-agent/jobs?continuation=%25%25", "continuation")]
    [InlineData("/api/agents/bad.agent/jobs", "agent_id")]
    public async Task List_InvalidQuery_400ProblemNamingTheParameter(string path, string parameter)
    {
        using var response = await _runner.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(parameter, (await Runner.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> EntryKeyAsync(Guid job)
    {
        var all = await _runner.Table(StorageNames.JobIndexTable).QueryAsync<TableEntity>(e => e.PartitionKey == JobIndex.AllPartition).ToListAsync();
        return Assert.Single(all, e => e.RowKey.EndsWith(job.ToString(), StringComparison.Ordinal)).RowKey;
    }

    [Fact]
    public async Task ListJobs_EntryLeftBehindByACrash_SkippedRemovedAndThePageStillFull()
    {
        var older = await NewJobAsync();
        var moved = await NewJobAsync();
        var newer = await NewJobAsync();
        await CallbackAsync(moved, "\"status\":\"provisioning\"");

        // As if the writer stopped between the job row and removing the entry it left.
        var index = _runner.Table(StorageNames.JobIndexTable);
        var movedKey = await EntryKeyAsync(moved);
        await index.AddEntityAsync(new TableEntity(JobIndex.StatusPartition(JobStatus.Queued), movedKey));

        var page = await ListAsync("/api/jobs?status=queued&limit=2");

        Assert.Equal([newer, older], Ids(page));
        Assert.False((await index.GetEntityIfExistsAsync<TableEntity>(JobIndex.StatusPartition(JobStatus.Queued), movedKey)).HasValue);
    }

    [Fact]
    public async Task ListJobs_EntryAheadOfItsJob_SkippedButKept()
    {
        var job = await NewJobAsync();
        var index = _runner.Table(StorageNames.JobIndexTable);
        var key = await EntryKeyAsync(job);

        // As if a writer had listed the job as provisioning and not yet written the job row.
        await index.AddEntityAsync(new TableEntity(JobIndex.StatusPartition(JobStatus.Provisioning), key));

        Assert.Empty(Ids(await ListAsync("/api/jobs?status=provisioning")));
        Assert.True((await index.GetEntityIfExistsAsync<TableEntity>(JobIndex.StatusPartition(JobStatus.Provisioning), key)).HasValue);

        await CallbackAsync(job, "\"status\":\"provisioning\"");
        Assert.Equal([job], Ids(await ListAsync("/api/jobs?status=provisioning")));
    }
}
