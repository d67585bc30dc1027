using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.Functions.Storage;
using Provisioner.LocalRunner;
using Provisioner.Testing;

namespace Provisioner.Bench;

/// <summary>
/// What the quota check and the audit entry add to a create (docs/performance.md, "Create"):
/// <c>POST /api/jobs</c> → <c>202</c> on three runners over the same Azurite, interleaved in
/// blocks (raw, A, B, C, C, B, A, raw) so each sees the same machine, next to a raw insert of one
/// row (one storage round trip):
/// <list type="bullet">
/// <item>A, <c>create</c>: no quota; the audit entry rides in the job's transaction and is copied
/// into the log after the answer (the app as it is);</item>
/// <item>B, <c>create_with_quota</c>: the same with <c>QUOTA_SERVERS_PER_PERSON</c> set;</item>
/// <item>C, <c>create_audit_before_answer</c>: no quota, and the audit entry written to the log
/// before the answer instead (the job-write participants removed, so the audit middleware writes
/// the entry itself, as the app did before the entry joined the job's transaction).</item>
/// </list>
/// </summary>
internal static class CreateCost
{
    private const string Secret = "bench-secret";

    public static async Task RunAsync(AzuriteServer azurite, int samples, int workers)
    {
        var blocks = Math.Max(1, samples / (2 * workers * 5)); // each block: 5 creates per worker per side, twice
        var raw = new List<double>();
        var variants = new (string Name, Func<Task<Runner>> Start, List<double> Times)[]
        {
            ("create", () => StartAsync(azurite, quota: false, auditBeforeAnswer: false), []),
            ("create_with_quota", () => StartAsync(azurite, quota: true, auditBeforeAnswer: false), []),
            ("create_audit_before_answer", () => StartAsync(azurite, quota: false, auditBeforeAnswer: true), []),
        };
        var runners = new List<Runner>();
        foreach (var variant in variants)
        {
            runners.Add(await variant.Start());
        }

        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("benchrawinserts");
        await table.CreateIfNotExistsAsync();
        try
        {
            // A first create on each runner fills what it keeps in memory (the quota row, the clients).
            for (var i = 0; i < runners.Count; i++)
            {
                await CreateOnceAsync(runners[i], []);
            }

            var quotas = new TableServiceClient(azurite.ConnectionString).GetTableClient(StorageNames.QuotasTable);
            for (var block = 0; block < blocks; block++)
            {
                // Without sign-in every create is one person's: empty the counter each block, as a person
                // holds a few servers, not hundreds (the first quota create of a block reads it again).
                await quotas.DeleteEntityAsync("anonymous", "counter");
                await RawInsertsAsync(table, workers, raw);
                for (var i = 0; i < runners.Count; i++)
                {
                    await CreatesAsync(runners[i], workers, variants[i].Times);
                }

                for (var i = runners.Count - 1; i >= 0; i--)
                {
                    await CreatesAsync(runners[i], workers, variants[i].Times);
                }

                await RawInsertsAsync(table, workers, raw);
            }
        }
        finally
        {
            foreach (var runner in runners)
            {
                await runner.DisposeAsync();
            }
        }

        Report.Figure("create_workers", workers, "0");
        Report.Figure("raw_insert_p50_ms", Statistics.Percentile(raw, 0.50));
        Report.Figure("raw_insert_p99_ms", Statistics.Percentile(raw, 0.99));
        foreach (var (name, _, times) in variants)
        {
            Report.Figure($"{name}_p50_ms", Statistics.Percentile(times, 0.50));
            Report.Figure($"{name}_p99_ms", Statistics.Percentile(times, 0.99));
            Report.Figure($"{name}_samples", times.Count, "0");
        }
    }

    private static async Task RawInsertsAsync(TableClient table, int workers, List<double> times) =>
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            for (var n = 0; n < 5; n++)
            {
                var started = Stopwatch.GetTimestamp();
                await table.AddEntityAsync(new TableEntity(Guid.NewGuid().ToString("D"), JobEntity.Row) { ["AgentId"] = "bench-raw", ["Status"] = "Queued", ["CreatedAt"] = DateTimeOffset.UtcNow });
                Add(times, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));

    private static async Task CreatesAsync(Runner runner, int workers, List<double> times) =>
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            for (var n = 0; n < 5; n++)
            {
                await CreateOnceAsync(runner, times);
            }
        }));

    private static async Task CreateOnceAsync(Runner runner, List<double> times)
    {
        var body = $"{{\"agent_id\":\"bench-create-{Guid.NewGuid().ToString("N")[..12]}\",\"region\":\"eu-central\"}}";
        var started = Stopwatch.GetTimestamp();
        using var response = await runner.Http.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        await response.Content.LoadIntoBufferAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            Report.CountErrors(1);
            return;
        }

        Add(times, elapsed);
    }

    private static void Add(List<double> times, double value)
    {
        lock (times)
        {
            times.Add(value);
        }
    }

    private static async Task<Runner> StartAsync(AzuriteServer azurite, bool quota, bool auditBeforeAnswer)
    {
        var port = LoopbackPorts.Free();
        var settings = new Dictionary<string, string?>
        {
            ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/",
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development", // a developer's machine: the simulated workflow and a short secret are allowed
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["GITHUB_CALLBACK_SECRET"] = Secret,
            ["GITHUB_TOKEN"] = "",
            ["AzureWebJobs.DispatchJob.Disabled"] = "true", // the jobs stay queued: only the create is measured
            ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "true",
            ["AzureWebJobs.FailStuckJobs.Disabled"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (quota)
        {
            // Never reached (the counter is emptied each block): every create is admitted, and each pays for the check.
            settings["QUOTA_SERVERS_PER_PERSON"] = "500"; // the most allowed
        }

        var app = LocalRunnerApp.Create(
            ["--port", port.ToString(CultureInfo.InvariantCulture)],
            settings,
            services =>
            {
                if (auditBeforeAnswer)
                {
                    // No participant in the job's transaction (notifications are off here, so only the
                    // audit entry's): the audit middleware then writes the entry before the answer.
                    services.RemoveAll<IJobWriteParticipant>();
                }
            },
            appRoot: RepositoryRoot.Path,
            readLocalSettings: false);
        await app.StartAsync();
        return new Runner(app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private sealed class Runner(Microsoft.AspNetCore.Builder.WebApplication app, HttpClient http) : IAsyncDisposable
    {
        public HttpClient Http => http;

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
