using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Functions.Storage;
using Provisioner.LocalRunner;
using Provisioner.Testing;

namespace Provisioner.Bench;

/// <summary>
/// Job event streams at scale (docs/events.md, docs/performance.md "Event streams"): N streams
/// open on the runner, one job each; the storage reads a second while nothing moves (counted on
/// the app's own table client), then one callback per job and how soon its stream sent the change.
/// </summary>
internal static class EventStreamScale
{
    public const string Help = """
          --events N           instead of the comparisons: N job event streams open at once (200), each sees a change
        """;

    private const string Secret = "bench-secret";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var streams = int.TryParse(Value("--events"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 200;
        Report.Figure("cores", Environment.ProcessorCount, "0");
        Report.Figure("event_streams", streams, "0");

        await using var azurite = AzuriteServer.InMemory();
        await azurite.StartAsync();

        var reads = new CountingPolicy();
        var port = LoopbackPorts.Free();
        var app = LocalRunnerApp.Create(
            ["--port", port.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string?>
            {
                ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/",
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development", // a developer's machine: the simulated workflow and a short secret are allowed
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["GITHUB_CALLBACK_SECRET"] = Secret,
                ["GITHUB_TOKEN"] = "",
                ["AzureWebJobs.DispatchJob.Disabled"] = "true", // the jobs stay queued until this benchmark moves them
                ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "true",
                ["AzureWebJobs.FailStuckJobs.Disabled"] = "true",
                ["EVENTS_MAX_STREAMS"] = (streams + 10).ToString(CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Warning",
            },
            services =>
            {
                // The app's own storage clients, with a policy that counts the reads they send.
                var tableOptions = new TableClientOptions();
                tableOptions.AddPolicy(reads, HttpPipelinePosition.PerCall);
                services.AddSingleton(new StorageClients(new TableServiceClient(azurite.ConnectionString, tableOptions), new QueueServiceClient(azurite.ConnectionString)));
            },
            appRoot: RepositoryRoot.Path,
            readLocalSettings: false);
        await app.StartAsync();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = streams + 20 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = Timeout.InfiniteTimeSpan,
        };

        var jobs = new Guid[streams];
        await Parallel.ForEachAsync(Enumerable.Range(0, streams), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var response = await http.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent($"{{\"agent_id\":\"bench-ev-{i}\",\"region\":\"eu-central\"}}", Encoding.UTF8, "application/json"), ct);
            jobs[i] = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("job_id").GetGuid();
        });

        // Open every stream and read its first event (the current document).
        using var stop = new CancellationTokenSource();
        var received = new ConcurrentDictionary<Guid, long>();
        var firsts = new TaskCompletionSource[streams];
        var readers = new Task[streams];
        for (var i = 0; i < streams; i++)
        {
            var job = jobs[i];
            var first = firsts[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            readers[i] = Task.Run(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job}/events");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    first.TrySetException(new InvalidOperationException($"stream of {job}: {(int)response.StatusCode}"));
                    return;
                }

                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
                var events = 0;
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (++events == 1)
                    {
                        first.TrySetResult();
                    }
                    else
                    {
                        received.TryAdd(job, Stopwatch.GetTimestamp());
                        return;
                    }
                }
            });
        }

        var opening = Stopwatch.StartNew();
        await Task.WhenAll(firsts.Select(f => f.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        Report.Figure("open_all_s", opening.Elapsed.TotalSeconds, "0.00");

        // Nothing moves: what the open streams cost in storage reads.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = reads.Gets;
        var idle = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var readsPerSecond = (reads.Gets - before) / idle.Elapsed.TotalSeconds;
        Report.Figure("idle_storage_reads_per_s", readsPerSecond, "0.0");
        Report.Figure("idle_storage_reads_per_stream_per_s", readsPerSecond / streams, "0.00");

        // One change per job: a signed callback, and how soon its stream sent it.
        SigningKeys.TryCreate(Secret, out var keys, out _);
        var sent = new ConcurrentDictionary<Guid, long>();
        var answered = new ConcurrentDictionary<Guid, long>();
        var moving = Stopwatch.StartNew();
        var readsBeforeMoves = reads.Gets;
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (job, ct) =>
        {
            var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"{Math.Abs(job.GetHashCode())}\"}}");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/github") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            foreach (var (name, value) in StandardWebhookSigner.Sign(keys!, "msg_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, body))
            {
                request.Headers.Add(name, value);
            }

            sent[job] = Stopwatch.GetTimestamp(); // the change can be committed from here on
            using var response = await http.SendAsync(request, ct);
            answered[job] = Stopwatch.GetTimestamp(); // the change is committed by now
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Report.CountErrors(1);
            }
        });
        await Task.WhenAny(Task.WhenAll(readers), Task.Delay(TimeSpan.FromSeconds(15)));
        var movingSeconds = moving.Elapsed.TotalSeconds;
        await stop.CancelAsync();

        // From the callback's answer (the change is committed: the figure the 2 s bound is about) and,
        // more harshly, from when the callback was sent (its own handling under this load counted in).
        var latencies = jobs.Where(received.ContainsKey).Select(j => Math.Max(0, Stopwatch.GetElapsedTime(answered[j], received[j]).TotalSeconds)).ToList();
        var fromSend = jobs.Where(received.ContainsKey).Select(j => Stopwatch.GetElapsedTime(sent[j], received[j]).TotalSeconds).ToList();
        Report.Figure("changes_seen", latencies.Count, "0");
        Report.Figure("changes_seen_within_2s", latencies.Count(l => l <= 2), "0");
        Report.Figure("change_latency_p50_s", Statistics.Percentile(latencies, 0.50), "0.000");
        Report.Figure("change_latency_p95_s", Statistics.Percentile(latencies, 0.95), "0.000");
        Report.Figure("change_latency_max_s", latencies.Count == 0 ? double.NaN : latencies.Max(), "0.000");
        Report.Figure("from_send_latency_p95_s", Statistics.Percentile(fromSend, 0.95), "0.000");
        Report.Figure("from_send_latency_max_s", fromSend.Count == 0 ? double.NaN : fromSend.Max(), "0.000");
        Report.Figure("moving_storage_reads_per_s", (reads.Gets - readsBeforeMoves) / movingSeconds, "0.0");
        if (latencies.Any(l => l > 2))
        {
            // A figure, not a failure: how late depends on the machine (docs/performance.md).
            Report.Remark($"{latencies.Count(l => l > 2)} of {streams} streams saw their change later than 2 s");
        }

        if (latencies.Count != streams)
        {
            Report.Remark($"{streams - latencies.Count} of {streams} streams never saw their change (15 s)");
            Report.CountErrors(streams - latencies.Count);
        }

        await app.StopAsync();
        Report.Figure("errors", Report.Errors, "0");
        return Report.Errors == 0 ? 0 : 1;
    }

    /// <summary>Counts the GET requests (point reads and queries) the app's table client sends.</summary>
    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private long _gets;

        public long Gets => Interlocked.Read(ref _gets);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Get)
            {
                Interlocked.Increment(ref _gets);
            }
        }
    }
}
