using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Provisioner.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Provisioner.Tests.Stress;

/// <summary>200 jobs at once, each getting its callbacks shuffled with a fifth of them sent twice.</summary>
public sealed class OrderingAtScaleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Jobs = 200;
    private readonly Azurite _azurite = new();
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _runner = await Runner.StartAsync(_azurite);
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private sealed record Plan(Guid Job, bool Fails, List<(string Id, string Body)> Callbacks);

    [Fact]
    public async Task TwoHundredJobs_ShuffledAndDuplicatedCallbacks_EndRightWithEachRowOnce()
    {
        using var gate = new SemaphoreSlim(32);
        async Task<T> Throttled<T>(Func<Task<T>> send)
        {
            await gate.WaitAsync();
            try
            {
                return await send();
            }
            finally
            {
                gate.Release();
            }
        }

        var jobs = await Task.WhenAll(Enumerable.Range(0, Jobs).Select(_ => Throttled(() => _runner.NewJobAsync())));
        var random = new Random(2026);
        var plans = jobs.Select((job, i) =>
        {
            string Body(string fields) => $"{{\"job_id\":\"{job}\",{fields}}}";
            var fails = i % 5 == 0;
            var callbacks = new List<(string, string)>
            {
                ("claim", Body($"\"status\":\"provisioning\",\"workflow_run_id\":\"{1000 + i}\"")),
                ("hb1", Body("\"type\":\"heartbeat\"")),
                ("vm", Body("\"status\":\"provisioning\",\"step\":\"vm_created\"")),
                ("hb2", Body("\"type\":\"heartbeat\"")),
                ("started", Body("\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\"")),
                ("complete", Body("\"status\":\"provisioning\",\"step\":\"ansible_complete\"")),
                fails
                    ? ("end", Body("\"status\":\"failed\",\"error\":\"health check failed\",\"failed_step\":\"configure\",\"step\":\"configure\""))
                    : ("end", Body($"\"status\":\"running\",\"server_id\":\"{i}\",\"server_ip\":\"203.0.113.{i % 250}\",\"tailscale_ip\":\"100.64.0.{i % 250}\"")),
            };
            return new Plan(job, fails, callbacks);
        }).ToList();

        var sends = plans
            .SelectMany(p => p.Callbacks.Concat(p.Callbacks.Where(_ => random.NextDouble() < 0.2)).Select(c => (p.Job, c.Id, c.Body)))
            .OrderBy(_ => random.Next())
            .ToList();
        var started = DateTime.UtcNow;
        var answers = await Task.WhenAll(sends.Select(s => Throttled(async () =>
        {
            using var response = await _runner.SendStandardAsync(s.Body, webhookId: $"msg_{s.Job:N}_{s.Id}");
            return response.StatusCode;
        })));
        var elapsed = DateTime.UtcNow - started;
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
        output.WriteLine($"{sends.Count} callbacks for {Jobs} jobs ({sends.Count - Jobs * 7} duplicates) in {elapsed.TotalSeconds:0.0} s");

        var table = _runner.Table("jobs");
        await Task.WhenAll(plans.Select(p => Throttled(async () =>
        {
            var document = (await _runner.GetJobAsync(p.Job)).Body;
            var states = string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));
            if (p.Fails)
            {
                Assert.Equal("failed", document.GetProperty("status").GetString());
                Assert.Equal("completed completed completed error pending", states);
            }
            else
            {
                Assert.Equal("running", document.GetProperty("status").GetString());
                Assert.Equal("completed completed completed completed completed", states);
            }

            var rows = new List<string>();
            await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == p.Job.ToString(), select: ["RowKey"]))
            {
                if (row.RowKey.StartsWith("cb-", StringComparison.Ordinal))
                {
                    rows.Add(row.RowKey);
                }
            }

            Assert.Equal(p.Callbacks.Count, rows.Count);
            Assert.Equal(rows.Count, rows.Distinct().Count());
            return 0;
        })));
    }
}
