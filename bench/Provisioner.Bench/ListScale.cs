using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Lifecycle;
using Provisioner.Functions.Storage;
using Provisioner.LocalRunner;
using Provisioner.Testing;

namespace Provisioner.Bench;

/// <summary>
/// The cost of a job list as the store grows: the same list calls at each size (1,000 then
/// 20,000 jobs by default), counting the storage requests one page makes and timing the calls
/// over HTTP, one at a time, beside the range read of the list's entries alone (the one read a
/// list cannot avoid; Azurite evaluates it by scanning the table, Azure Table Storage by the
/// partition and row key). See docs/performance.md, "Listing jobs".
/// </summary>
internal static class ListScale
{
    public const string Help = """
          --list-scale N,M,…   instead of the comparisons: list calls with N, then M, … jobs stored (1000,20000)
          --list-samples N     timed calls of each kind at each size (200)
        """;

    private const string ProbeAgent = "bench-probe";
    private const int Limit = 20;
    private const int DeepPages = 25; // list_all_page_26 reads the page after these

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var sizes = (Value("--list-scale") ?? "1000,20000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Order().ToArray();
        if (sizes[0] < (DeepPages + 1) * Limit)
        {
            Console.Error.WriteLine($"--list-scale: each size must be at least {(DeepPages + 1) * Limit} jobs, so that page {DeepPages + 1} exists");
            return 2;
        }

        var samples = int.TryParse(Value("--list-samples"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 200;
        Report.Figure("cores", Environment.ProcessorCount, "0");
        Report.Figure("list_samples", samples, "0");

        await using var azurite = AzuriteServer.InMemory();
        azurite.MaxOldSpaceMegabytes = 8192;
        await azurite.StartAsync();

        var port = LoopbackPorts.Free();
        var app = LocalRunnerApp.Create(
            ["--port", port.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string?>
            {
                ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/",
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development", // a developer's machine: the simulated workflow and a short secret are allowed
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["GITHUB_CALLBACK_SECRET"] = "bench-secret",
                ["GITHUB_TOKEN"] = "",
                ["AzureWebJobs.DispatchJob.Disabled"] = "true",
                ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "true",
                ["AzureWebJobs.FailStuckJobs.Disabled"] = "true",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            appRoot: RepositoryRoot.Path,
            readLocalSettings: false);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // The app's own store classes over clients that count the requests they send.
        var counter = new CountingPolicy();
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var storage = new StorageClients(new TableServiceClient(azurite.ConnectionString, tableOptions), new QueueServiceClient(azurite.ConnectionString));
        var index = new JobIndex(storage);
        // Notifications are off here (no NOTIFY_URL): the outbox adds no rows.
        var jobs = new JobStore(storage, index, app.Services.GetServices<IJobWriteParticipant>());
        var lister = new JobLister(index, jobs, TimeProvider.System);

        var stored = 0;
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        foreach (var size in sizes)
        {
            var clock = Stopwatch.StartNew();
            var from = stored;
            await Parallel.ForEachAsync(Enumerable.Range(from, size - from), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                // Every 10th job failed; the probe agent has 25 jobs among the first thousand.
                var agent = i < 1000 && i % 40 == 0 ? ProbeAgent : "bench-" + (i % 5000).ToString(CultureInfo.InvariantCulture);
                var job = Job.Create(Guid.NewGuid(), agent, "eu-central", start.AddSeconds(i));
                await jobs.TryAddAsync(job, ct);
                if (i % 10 == 3)
                {
                    await jobs.UpdateAsync(job.JobId, j => JobTransitions.Fail(j, FailureReason.Silent, "bench failure", null, j.CreatedAt.AddMinutes(3)), ct);
                }
            });
            stored = size;
            Report.Figure($"seed_s_to_{size}", clock.Elapsed.TotalSeconds, "0.0");

            var deep = await DeepTokenAsync(http, DeepPages);
            var calls = new (string Name, Func<Task<bool>> Call)[]
            {
                ("raw_range_read", async () => (await index.RangeAsync(JobIndex.AllPartition, null, Limit + 1, CancellationToken.None)).Count == Limit + 1),
                ("list_all", () => OkAsync(http, $"/api/jobs?limit={Limit}")),
                ("list_failed", () => OkAsync(http, $"/api/jobs?status=failed&limit={Limit}")),
                ("list_all_page_26", () => OkAsync(http, $"/api/jobs?limit={Limit}&continuation={Uri.EscapeDataString(deep)}")),
                ("list_agent", () => OkAsync(http, $"/api/agents/{ProbeAgent}/jobs?limit={Limit}")),
            };

            // Requests one page costs, counted on the app's own classes.
            counter.Reset();
            var page = await lister.ByStatusAsync(null, Limit, null, CancellationToken.None);
            Report.Figure($"requests_per_page_all_at_{size}", counter.Count, "0");
            counter.Reset();
            var failedPage = await lister.ByStatusAsync(JobStatus.Failed, Limit, null, CancellationToken.None);
            Report.Figure($"requests_per_page_failed_at_{size}", counter.Count, "0");
            if (page.Jobs.Count != Limit || failedPage.Jobs.Count != Limit || failedPage.Jobs.Any(j => j.Status != "failed"))
            {
                Report.CountErrors(1);
            }

            foreach (var (name, call) in calls)
            {
                var times = new List<double>(samples);
                for (var s = 0; s < samples + 10; s++)
                {
                    var t = Stopwatch.GetTimestamp();
                    if (!await call())
                    {
                        Report.CountErrors(1);
                    }

                    if (s >= 10)
                    {
                        times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds); // the first ten warm up
                    }
                }

                Report.Figure($"{name}_p50_ms_at_{size}", Statistics.Percentile(times, 0.5));
                Report.Figure($"{name}_p95_ms_at_{size}", Statistics.Percentile(times, 0.95));
            }
        }

        await app.StopAsync();
        await app.DisposeAsync();
        Report.Figure("errors", Report.Errors, "0");
        return Report.Errors == 0 ? 0 : 1;
    }

    private static async Task<bool> OkAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode == HttpStatusCode.OK;
    }

    private static async Task<string> DeepTokenAsync(HttpClient http, int pages)
    {
        string? token = null;
        for (var p = 0; p < pages; p++)
        {
            using var response = await http.GetAsync(new Uri($"/api/jobs?limit={Limit}" + (token is null ? "" : "&continuation=" + Uri.EscapeDataString(token)), UriKind.Relative));
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            token = body.RootElement.GetProperty("continuation").GetString();
        }

        return token!;
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}
