// Measures what the backend adds over the storage round trips it cannot avoid, side by side
// against the same Azurite, and what a user waits on. See docs/performance.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Provisioner.Bench;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Functions.Storage;
using Provisioner.Functions.Timing;
using Provisioner.LocalRunner;
using Provisioner.Testing;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Help);
    Console.WriteLine(ListScale.Help);
    Console.WriteLine(EventStreamScale.Help);
    return 0;
}

if (args.Contains("--events"))
{
    return await EventStreamScale.RunAsync(args);
}

if (args.Contains("--list-scale"))
{
    return await ListScale.RunAsync(args);
}

var options = BenchOptions.Parse(args);
if (args.Contains("--create-only"))
{
    // Only section 7: the create with and without the quota check, and with the audit entry before the answer.
    await using var createAzurite = AzuriteServer.InMemory();
    await createAzurite.StartAsync();
    Report.Figure("cores", Environment.ProcessorCount, "0");
    await CreateCost.RunAsync(createAzurite, options.CreateSamples, options.CreateWorkers);
    Report.Figure("errors", Report.Errors, "0");
    return Report.Errors > 0 ? 1 : 0;
}

var root = RepositoryRoot.Path;
Report.Figure("cores", Environment.ProcessorCount, "0");
Report.Figure("concurrency", options.Concurrency, "0");
Report.Figure("slice_s", options.Slice.TotalSeconds, "0.0#");
Report.Figure("cap_per_comparison_s", options.Cap.TotalSeconds, "0");
Report.Figure("pool_jobs", options.Pool, "0");

await using var azurite = AzuriteServer.InMemory();
azurite.MaxOldSpaceMegabytes = 8192; // many stored jobs and the callback rows of a run need more than node's default heap
await azurite.StartAsync();

const string Secret = "bench-secret";
var port = LoopbackPorts.Free();
var counter = new StorageRequestCounter(); // the app's table requests, counted at its storage client
var app = LocalRunnerApp.Create(
    ["--port", port.ToString(CultureInfo.InvariantCulture)],
    new Dictionary<string, string?>
    {
        ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/",
        ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development", // a developer's machine: the simulated workflow and a short secret are allowed
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["GITHUB_CALLBACK_SECRET"] = Secret,
        // No token: DispatchJob hands each job to the simulated workflow, which calls back over HTTP.
        ["GITHUB_TOKEN"] = "",
        ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "true",
        ["AzureWebJobs.FailStuckJobs.Disabled"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
    },
    services => services.AddSingleton(counter),
    appRoot: root,
    readLocalSettings: false);
await app.StartAsync();

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = new Uri($"http://127.0.0.1:{port}"),
};
var jobsTable = new TableServiceClient(azurite.ConnectionString).GetTableClient(StorageNames.JobsTable);
await jobsTable.CreateIfNotExistsAsync();

// The jobs the status and webhook calls use: stored as POST /api/jobs stores a job, but written
// straight to the table so that none of them is queued for dispatch (DispatchJob is on, for the
// create-to-dispatch figure, and would otherwise run a simulated workflow for each).
var pool = (await SeedAsync(jobsTable, options.Pool)).Ids.ToArray();

// The other kinds of status document: a job in flight (its ETA from a window of 5 earlier runs)
// and a running job (its agent's health), each with its agent row, for the agent view.
var kindPool = Math.Max(options.Concurrency + 1, options.Pool / 4);
var inFlight = (await SeedAsync(jobsTable, kindPool, InFlightJob)).Ids.ToArray();
var running = (await SeedAsync(jobsTable, kindPool, RunningJob)).Ids.ToArray();
await SeedWindowAsync(jobsTable);
var agentsTable = new TableServiceClient(azurite.ConnectionString).GetTableClient(StorageNames.AgentsTable);
await agentsTable.CreateIfNotExistsAsync();
var report = JobRowReport.Serialize(new AgentReport("ok", [new AgentCheck("disk", "ok", "71% free")], "1.0.0"), DateTimeOffset.UtcNow);
await Parallel.ForEachAsync(running, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
{
    await agentsTable.UpsertEntityAsync(new AgentEntity { PartitionKey = AgentOf(id), ActiveJobId = id, NewestJobId = id }, cancellationToken: ct);
    await jobsTable.UpsertEntityAsync(new TableEntity(id.ToString(), JobEntity.ReportRow) { [nameof(JobEntity.AgentReport)] = report }, cancellationToken: ct); // its agent reported
});
SigningKeys.TryCreate(Secret, out var keys, out _);
Guid Pick(Guid[] ids) => ids[Random.Shared.Next(ids.Length)];

Func<int, Task<bool>> RawRead(Guid[] ids) => async _ =>
    (await jobsTable.GetEntityAsync<TableEntity>(Pick(ids).ToString(), JobEntity.Row)).Value is not null;

Func<int, Task<bool>> Status200(Guid[] ids) => async _ =>
{
    using var response = await http.GetAsync(new Uri($"/api/jobs/{Pick(ids)}", UriKind.Relative));
    await response.Content.LoadIntoBufferAsync();
    return response.StatusCode == HttpStatusCode.OK;
};

// 1. A status call against the point read it cannot avoid.
await Comparison.RunAsync(options, "status_vs_raw_read", "raw_point_read", RawRead(pool), "status_get_200", Status200(pool), p99RatioName: "status_p99_vs_raw_read_p99");

// 1b. The same for a job in flight (with its ETA), a running job (with its health), and the
// agent view (GET /api/agents/{agent_id}/provisioning) of a running job's agent.
await Comparison.RunAsync(options, "status_in_flight_vs_raw_read", "raw_point_read", RawRead(inFlight), "status_in_flight_get_200", Status200(inFlight));
await Comparison.RunAsync(options, "status_running_vs_raw_read", "raw_point_read", RawRead(running), "status_running_get_200", Status200(running));

// A running job's document is one range read of its partition (the job row and the report row
// beside it). Azurite answers any query by testing every entity of the table, where Azure reads
// the partition's range, so the same comparison against that raw range read as well.
await Comparison.RunAsync(options, "status_running_vs_raw_range_read", "raw_range_read", async _ =>
{
    var id = Pick(running).ToString();
    var rows = 0;
    await foreach (var row in jobsTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {JobEntity.ReportRow} and RowKey le {JobEntity.Row}")))
    {
        rows++;
    }

    return rows == 2;
}, "status_running_get_200", Status200(running));
await Comparison.RunAsync(options, "agent_view_vs_raw_read", "raw_point_read", RawRead(running), "agent_view_get_200", async _ =>
{
    using var response = await http.GetAsync(new Uri($"/api/agents/{AgentOf(Pick(running))}/provisioning", UriKind.Relative));
    await response.Content.LoadIntoBufferAsync();
    return response.StatusCode == HttpStatusCode.OK;
});

// 1c. Storage requests per call, counted at the app's table client: sequential calls on an
// otherwise idle runner (the timer functions may add one now and then; the figure would show it).
var perKind = new List<double>();
foreach (var (kind, ids) in new[] { ("queued", pool), ("in_flight", inFlight), ("running", running) })
{
    var perCall = await RequestsPerCallAsync(ids.Take(200).Select(id => $"/api/jobs/{id}").ToList());
    perKind.Add(perCall);
    Report.Figure($"storage_requests_per_status_call_{kind}", perCall);
}

Report.Figure("storage_requests_per_status_call", perKind.Max());
Report.Figure("storage_requests_per_agent_view_call", await RequestsPerCallAsync(running.Take(200).Select(id => $"/api/agents/{AgentOf(id)}/provisioning").ToList()));

// 2. The same with a matching If-None-Match.
var etags = new Dictionary<Guid, EntityTagHeaderValue>();
foreach (var job in pool)
{
    using var response = await http.GetAsync(new Uri($"/api/jobs/{job}", UriKind.Relative));
    etags[job] = response.Headers.ETag!;
}

await Comparison.RunAsync(options, "status_304_vs_raw_read", "raw_point_read", RawRead(pool), "status_get_304", async _ =>
{
    var job = Pick(pool);
    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job}");
    request.Headers.IfNoneMatch.Add(etags[job]);
    using var response = await http.SendAsync(request);
    return response.StatusCode == HttpStatusCode.NotModified;
});

// 3. A signed callback against a point read plus the two-entity transaction it cannot avoid.
// Each worker its own job, as each workflow run has its own: no ETag contention.
var sequence = 0L;
await Comparison.RunAsync(options, "webhook_vs_raw_read_then_transaction", "raw_point_read_then_transaction", async worker =>
{
    var job = pool[worker % pool.Length].ToString();
    var current = (await jobsTable.GetEntityAsync<TableEntity>(job, JobEntity.Row)).Value;
    current["LastHeartbeatAt"] = DateTimeOffset.UtcNow;
    var row = new TableEntity(job, $"cb-raw-{Interlocked.Increment(ref sequence)}") { ["Kind"] = "heartbeat", ["Body"] = new byte[64] };
    await jobsTable.SubmitTransactionAsync(
    [
        new TableTransactionAction(TableTransactionActionType.Add, row),
        new TableTransactionAction(TableTransactionActionType.UpdateReplace, current, current.ETag),
    ]);
    return true;
}, "webhook_post_signed", async worker =>
{
    using var response = await SendHeartbeatAsync(pool[worker % pool.Length]);
    return response.StatusCode == HttpStatusCode.OK;
});

// 4. Optionally: does a status call cost more with more jobs stored? Same comparison, bigger table.
if (options.ScaleJobs > pool.Length)
{
    var seeded = await SeedAsync(jobsTable, options.ScaleJobs - pool.Length);
    Report.Figure($"seeded_rows_per_s_to_{options.ScaleJobs}_jobs", seeded.Ids.Count / seeded.Elapsed.TotalSeconds, "0");
    Guid[] all = [.. pool, .. seeded.Ids];
    await Comparison.RunAsync(options, $"status_vs_raw_read_with_{all.Length}_jobs", "raw_point_read", RawRead(all), "status_get_200", Status200(all));
}

// 5. Callback to visible: from a signed webhook's 200 until a GET shows the change (its ETag
// moves). One at a time, on jobs no other phase touched.
var visible = new List<double>();
foreach (var job in pool.Skip(options.Concurrency).Take(Math.Min(options.CallbackSamples, pool.Length - options.Concurrency)))
{
    EntityTagHeaderValue before;
    using (var response = await http.GetAsync(new Uri($"/api/jobs/{job}", UriKind.Relative)))
    {
        before = response.Headers.ETag!;
    }

    using (var sent = await SendHeartbeatAsync(job))
    {
        sent.EnsureSuccessStatusCode();
    }

    var answered = Stopwatch.GetTimestamp();
    while (true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job}");
        request.Headers.IfNoneMatch.Add(before);
        using var response = await http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            visible.Add(Stopwatch.GetElapsedTime(answered).TotalMilliseconds);
            break;
        }
    }
}

Report.Figure("callback_to_visible_p50_ms", Statistics.Percentile(visible, 0.50));
Report.Figure("callback_to_visible_p99_ms", Statistics.Percentile(visible, 0.99));
Report.Figure("callback_to_visible_samples", visible.Count, "0");

// 6. Create to dispatch: from POST /api/jobs answering 202 until the status document shows the
// job dispatched (a status other than queued, or a workflow_run_id). DispatchJob polls its queue
// with host.json's backoff up to maxPollingInterval; jobs arrive at random gaps (mean: that
// interval), so the poller is met in every state of its backoff. Each job is watched by its own
// loop, polling the status every 10 ms.
var pollingInterval = app.Services.GetRequiredService<QueueHostSettings>().MaxPollingInterval;
Report.Figure("queue_max_polling_interval_ms", pollingInterval.TotalMilliseconds, "0");
var dispatched = new System.Collections.Concurrent.ConcurrentBag<double>();
var watchers = new List<Task>();
for (var i = 0; i < options.DispatchSamples; i++)
{
    watchers.Add(WatchDispatchAsync(i));
    await Task.Delay(Random.Shared.NextDouble() * 2 * pollingInterval);
}

await Task.WhenAll(watchers);
Report.Figure("create_to_dispatch_p50_ms", Statistics.Percentile(dispatched, 0.50));
Report.Figure("create_to_dispatch_p99_ms", Statistics.Percentile(dispatched, 0.99));
Report.Figure("create_to_dispatch_samples", dispatched.Count, "0");

await app.StopAsync();

// 7. What the quota check and the audit entry add to a create, interleaved on three runners.
await CreateCost.RunAsync(azurite, options.CreateSamples, options.CreateWorkers);

Report.Figure("errors", Report.Errors, "0");
return Report.Errors > 0 ? 1 : 0;

async Task WatchDispatchAsync(int i)
{
    using var created = await http.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent($"{{\"agent_id\":\"bench-dispatch-{i}\",\"region\":\"eu-central\"}}", Encoding.UTF8, "application/json"));
    var answered = Stopwatch.GetTimestamp();
    if (created.StatusCode != HttpStatusCode.Accepted)
    {
        Report.CountErrors(1);
        return;
    }

    var job = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("job_id").GetGuid();
    while (Stopwatch.GetElapsedTime(answered) < TimeSpan.FromMinutes(2))
    {
        var document = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/api/jobs/{job}", UriKind.Relative))).RootElement;
        if (document.GetProperty("status").GetString() != "queued"
            || (document.TryGetProperty("workflow_run_id", out var run) && run.ValueKind == JsonValueKind.String))
        {
            dispatched.Add(Stopwatch.GetElapsedTime(answered).TotalMilliseconds);
            return;
        }

        await Task.Delay(10);
    }

    Report.CountErrors(1);
}

// The mean number of table requests one GET costs, over two passes of the paths (the first
// warms what the app keeps in memory, the second is counted).
async Task<double> RequestsPerCallAsync(IReadOnlyList<string> paths)
{
    foreach (var path in paths)
    {
        using var warm = await http.GetAsync(new Uri(path, UriKind.Relative));
    }

    counter.Reset();
    foreach (var path in paths)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Report.CountErrors(1);
        }
    }

    var counted = counter.Total;
    Report.Remark($"{paths.Count} calls of {paths[0]}...: " + string.Join(", ", counter.ByRequest.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
    return (double)counted / paths.Count;
}

async Task<HttpResponseMessage> SendHeartbeatAsync(Guid job)
{
    var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{job}\",\"type\":\"heartbeat\"}}");
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/github") { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    foreach (var (name, value) in StandardWebhookSigner.Sign(keys!, "msg_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, body))
    {
        request.Headers.Add(name, value);
    }

    return await http.SendAsync(request);
}

static async Task<(List<Guid> Ids, TimeSpan Elapsed)> SeedAsync(TableClient table, int count, Func<Job, Job>? shape = null)
{
    var ids = Enumerable.Range(0, Math.Max(0, count)).Select(_ => Guid.NewGuid()).ToList();
    var clock = Stopwatch.StartNew();
    var now = DateTimeOffset.UtcNow;
    await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
    {
        var job = Job.Create(id, AgentOf(id), "eu-central", now);
        await table.AddEntityAsync(JobEntity.From(shape is null ? job : shape(job)), ct);
    });
    return (ids, clock.Elapsed);
}

static string AgentOf(Guid id) => "bench-" + id.ToString("N")[..8];

// Dispatched, its VM created, Ansible installing (full mode): the document has an ETA.
static Job InFlightJob(Job job) => job with
{
    DispatchedAt = job.CreatedAt.AddSeconds(1),
    ProvisioningAt = job.CreatedAt.AddSeconds(5),
    VmCreatedAt = job.CreatedAt.AddSeconds(40),
    AnsibleStartedAt = job.CreatedAt.AddSeconds(45),
    Mode = "full",
    WorkflowRunId = "1",
};

static Job RunningJob(Job job) => InFlightJob(job) with
{
    AnsibleCompleteAt = job.CreatedAt.AddSeconds(200),
    RunningAt = job.CreatedAt.AddSeconds(230),
    Server = new ServerInfo("srv-1", "192.0.2.1", "100.64.0.1"),
};

// Five earlier runs in eu-central, full mode: enough for an estimated completion.
static async Task SeedWindowAsync(TableClient table)
{
    var samples = Enumerable.Range(0, 5).Select(i => new { job_id = Guid.NewGuid(), seconds = new[] { 3.0 + i, 35, 150, 30, 5 } });
    await table.UpsertEntityAsync(new StepTimingEntity
    {
        PartitionKey = StepTimingEntity.PartitionPrefix + "eu-central",
        RowKey = InstallModes.Full,
        Window = JsonSerializer.Serialize(samples),
    });
}

/// <summary>The command line; <see cref="Help"/> says what each option means.</summary>
internal sealed record BenchOptions(int Concurrency, TimeSpan Slice, TimeSpan Cap, int MinPairs, double Tolerance, int Pool, int ScaleJobs, int CallbackSamples, int DispatchSamples, int CreateSamples, int CreateWorkers)
{
    public const string Help = """
        Provisioner.Bench: the backend against the raw storage calls it cannot avoid, measured side by side.

          dotnet run -c Release --project bench/Provisioner.Bench -- [options]

          --concurrency N       closed-loop workers per slice (32)
          --slice S             seconds per slice; slices run in ABBA order, raw then backend (1)
          --cap S               at most this many seconds of slices per comparison (60)
          --min-pairs N         ABBA blocks before the spread may end a comparison (6)
          --tolerance P         end a comparison once both quartiles of its ratios are within ±P% of the median (10)
          --pool N              jobs the status and webhook calls pick from (1000)
          --scale N             also compare status and raw read with N jobs stored (0: off; Azurite slows as it grows)
          --callback-samples N  webhook-to-visible samples (200)
          --dispatch-samples N  create-to-dispatch samples, at random gaps averaging maxPollingInterval (40)
          --create-samples N    creates per variant (none, quota, audit before the answer), interleaved (400, at least 40)
          --create-workers N    creates in parallel during it (1: each create's own latency)
          --create-only         only that create comparison

        Prints one figure a line, name=value; remarks start with '#'. Exit code 1 if any request failed.
        Needs 'npm ci' at the repository root (Azurite). Method and figures: docs/performance.md.
        """;

    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Value(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        double Double(string name, double fallback) => double.TryParse(Value(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        return new BenchOptions(
            Int("--concurrency", 32),
            TimeSpan.FromSeconds(Double("--slice", 1)),
            TimeSpan.FromSeconds(Double("--cap", 60)),
            Math.Max(1, Int("--min-pairs", 6)),
            Double("--tolerance", 10) / 100,
            Math.Max(Int("--pool", 1000), Int("--concurrency", 32) + 1),
            Int("--scale", 0),
            Int("--callback-samples", 200),
            Int("--dispatch-samples", 40),
            Math.Max(40, Int("--create-samples", 400)),
            Math.Max(1, Int("--create-workers", 1)));
    }
}
