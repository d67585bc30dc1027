// Measures what the backend adds over the storage round trips it cannot avoid, against the same
// Azurite, at the same concurrency, in the same run. See docs/performance.md.
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Provisioner.Bench;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Functions.Storage;
using Provisioner.LocalRunner;

var options = BenchOptions.Parse(args);
var root = FindRepositoryRoot();
Console.WriteLine($"bench: concurrency={options.Concurrency} duration={options.Duration.TotalSeconds:0}s per figure, pool={options.Pool} jobs, scale={options.ScaleJobs} jobs, cores={Environment.ProcessorCount}");

await using var azurite = await AzuriteProcess.StartAsync(root);
const string Secret = "bench-secret";
var port = FreePort();
var app = LocalRunnerApp.Create(
    ["--port", port.ToString(CultureInfo.InvariantCulture)],
    new Dictionary<string, string?>
    {
        ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/",
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["GITHUB_CALLBACK_SECRET"] = Secret,
        ["GITHUB_TOKEN"] = "",
        ["AzureWebJobs.DispatchJob.Disabled"] = "true",
        ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "true",
        ["AzureWebJobs.FailStuckJobs.Disabled"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
    },
    appRoot: root,
    readLocalSettings: false);
await app.StartAsync();

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = new Uri($"http://127.0.0.1:{port}"),
};
var tables = new TableServiceClient(azurite.ConnectionString, new TableClientOptions());
var jobsTable = tables.GetTableClient(StorageNames.JobsTable);

// A pool of jobs made through the API, as users would make them.
var pool = new Guid[options.Pool];
await Parallel.ForEachAsync(Enumerable.Range(0, options.Pool), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
{
    using var response = await http.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent($"{{\"agent_id\":\"bench-{i}\",\"region\":\"eu-central\"}}", Encoding.UTF8, "application/json"), ct);
    response.EnsureSuccessStatusCode();
    pool[i] = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("job_id").GetGuid();
});

SigningKeys.TryCreate(Secret, out var keys, out _);
var figures = new List<Figure>();
async Task<Figure> MeasureAsync(string name, Func<int, Task<bool>> operation)
{
    var figure = await LoadLoop.RunAsync(name, options.Concurrency, options.Duration, operation);
    Console.WriteLine(figure);
    figures.Add(figure);
    return figure;
}

Guid Pick() => pool[Random.Shared.Next(pool.Length)];

// 1. Raw storage, straight through Azure.Data.Tables.
var rawRead = await MeasureAsync("raw_point_read", async _ =>
{
    var entity = await jobsTable.GetEntityAsync<TableEntity>(Pick().ToString(), JobEntity.Row);
    return entity.Value is not null;
});

var sequence = 0L;
var rawReadThenTransaction = await MeasureAsync("raw_point_read_then_transaction", async worker =>
{
    // Each worker its own job, as each workflow run has its own: no ETag contention.
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
});

// 2. The same through the backend, over HTTP.
var status200 = await MeasureAsync("status_get_200", async _ =>
{
    using var response = await http.GetAsync(new Uri($"/api/jobs/{Pick()}", UriKind.Relative));
    await response.Content.LoadIntoBufferAsync();
    return response.StatusCode == HttpStatusCode.OK;
});

var etags = new Dictionary<Guid, EntityTagHeaderValue>();
foreach (var job in pool)
{
    using var response = await http.GetAsync(new Uri($"/api/jobs/{job}", UriKind.Relative));
    etags[job] = response.Headers.ETag!;
}

var status304 = await MeasureAsync("status_get_304", async _ =>
{
    var job = Pick();
    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job}");
    request.Headers.IfNoneMatch.Add(etags[job]);
    using var response = await http.SendAsync(request);
    return response.StatusCode == HttpStatusCode.NotModified;
});

var webhook = await MeasureAsync("webhook_post_signed", async worker =>
{
    var job = pool[worker % pool.Length];
    var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{job}\",\"type\":\"heartbeat\"}}");
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/github") { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    foreach (var (name, value) in StandardWebhookSigner.Sign(keys!, "msg_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, body))
    {
        request.Headers.Add(name, value);
    }

    using var response = await http.SendAsync(request);
    return response.StatusCode == HttpStatusCode.OK;
});

Console.WriteLine(FormattableString.Invariant($"status_vs_raw_read={status200.RequestsPerSecond / rawRead.RequestsPerSecond:0.00}"));
Console.WriteLine(FormattableString.Invariant($"status_304_vs_raw_read={status304.RequestsPerSecond / rawRead.RequestsPerSecond:0.00}"));
Console.WriteLine(FormattableString.Invariant($"webhook_vs_raw_read_then_transaction={webhook.RequestsPerSecond / rawReadThenTransaction.RequestsPerSecond:0.00}"));

// 3. Does a status call cost more with more jobs stored? The same status call and the same raw
// point read, at growing table sizes: if the backend's cost did not grow, their ratio stays put.
var all = pool.ToList();
var scaleDuration = TimeSpan.FromSeconds(Math.Max(3, options.Duration.TotalSeconds / 2));
foreach (var size in new[] { pool.Length, 10_000, options.ScaleJobs }.Where(n => n >= pool.Length).Distinct().Order())
{
    if (size > all.Count)
    {
        var seeded = await SeedAsync(jobsTable, size - all.Count);
        all.AddRange(seeded.Ids);
        Console.WriteLine(FormattableString.Invariant($"seeded {seeded.Count} more job rows in {seeded.Elapsed.TotalSeconds:0.0}s ({seeded.Count / seeded.Elapsed.TotalSeconds:0}/s)"));
    }

    var ids = all.ToArray();
    var raw = await LoadLoop.RunAsync($"raw_point_read_with_{ids.Length}_jobs", options.Concurrency, scaleDuration, async _ =>
        (await jobsTable.GetEntityAsync<TableEntity>(ids[Random.Shared.Next(ids.Length)].ToString(), JobEntity.Row)).Value is not null);
    var status = await LoadLoop.RunAsync($"status_get_200_with_{ids.Length}_jobs", options.Concurrency, scaleDuration, async _ =>
    {
        using var response = await http.GetAsync(new Uri($"/api/jobs/{ids[Random.Shared.Next(ids.Length)]}", UriKind.Relative));
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode == HttpStatusCode.OK;
    });
    Console.WriteLine(raw);
    Console.WriteLine(status);
    Console.WriteLine(FormattableString.Invariant($"with_{ids.Length}_jobs status_vs_raw_read={status.RequestsPerSecond / raw.RequestsPerSecond:0.00} status_p50_over_raw_ms={status.P50Ms - raw.P50Ms:0.00}"));
    figures.Add(raw);
    figures.Add(status);
}

await app.StopAsync();
return figures.Any(f => f.Errors > 0) ? 1 : 0;

static async Task<(int Count, List<Guid> Ids, TimeSpan Elapsed)> SeedAsync(TableClient table, int count)
{
    var ids = Enumerable.Range(0, Math.Max(0, count)).Select(_ => Guid.NewGuid()).ToList();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var now = DateTimeOffset.UtcNow;
    await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
    {
        var job = Provisioner.Functions.Jobs.Job.Create(id, "seed-" + id.ToString("N")[..8], "eu-central", now);
        await table.AddEntityAsync(JobEntity.From(job), ct);
    });
    return (ids.Count, ids, clock.Elapsed);
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Provisioner.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Provisioner.sln not found above " + AppContext.BaseDirectory);
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>
/// Command line: --concurrency 32 --duration 10 --pool 1000 --scale 20000. Azurite inserts slow
/// down as its table grows (about 250 rows/s at 20,000), so --scale 100000 takes the better part
/// of an hour; see docs/performance.md.
/// </summary>
internal sealed record BenchOptions(int Concurrency, TimeSpan Duration, int Pool, int ScaleJobs)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Value(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        return new BenchOptions(Int("--concurrency", 32), TimeSpan.FromSeconds(Int("--duration", 10)), Int("--pool", 1000), Int("--scale", 20_000));
    }
}
