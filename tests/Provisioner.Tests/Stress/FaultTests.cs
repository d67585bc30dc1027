using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Stress;

/// <summary>Faults: storage going away and coming back, the backend killed mid-job.</summary>
public sealed class FaultTests
{
    private static string Body(Guid job, string fields) => $"{{\"job_id\":\"{job}\",{fields}}}";

    private static string States(JsonElement document) =>
        string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

    [Fact]
    public async Task StorageOutage_Is503WithRetryAfter_AndTheNextCallbackAppliesOnceItIsBack()
    {
        await using var azurite = Azurite.Persistent();
        await azurite.InitializeAsync();
        await using var runner = await Runner.StartAsync(azurite);
        var job = await runner.NewJobAsync();
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"8\""))).StatusCode);

        await azurite.StopAsync();
        var vmCreated = Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\"");
        var during = await runner.SendStandardAsync(vmCreated, webhookId: "msg_vm");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await runner.GetJobAsync(job)).Response.StatusCode);

        await azurite.StartAsync();
        // The workflow sends the callback again (curl --retry), and the next one.
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync(vmCreated, webhookId: "msg_vm")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"step\":\"ansible_started\""))).StatusCode);
        var (response, document) = await runner.GetJobAsync(job);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("completed completed completed active pending", States(document));
    }

    [Fact]
    public async Task RunnerKilledMidJob_LosesNothing_AndTheJobFinishesFromTheCallbacksThatFollow()
    {
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        var port = Azurite.FreePort();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var signer = new CallbackSigner(client);

        await using (var first = await RunnerProcess.StartAsync(azurite, port))
        {
            var created = await client.PostAsync(new Uri("/api/jobs", UriKind.Relative), new StringContent("{\"agent_id\":\"killed-1\",\"region\":\"eu-central\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            signer.Job = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("job_id").GetGuid();
            Assert.Equal(HttpStatusCode.OK, await signer.SendAsync("claim", "\"status\":\"provisioning\",\"workflow_run_id\":\"31\""));
            Assert.Equal(HttpStatusCode.OK, await signer.SendAsync("vm", "\"status\":\"provisioning\",\"step\":\"vm_created\""));

            // Kill it hard while a burst of callbacks is in flight.
            var burst = Enumerable.Range(0, 20).Select(i => signer.TrySendAsync($"hb{i}", "\"type\":\"heartbeat\"")).ToList();
            burst.Add(signer.TrySendAsync("ansible", "\"status\":\"provisioning\",\"step\":\"ansible_started\""));
            await Task.Delay(15);
            first.Kill();
            await Task.WhenAll(burst);
        }

        await using var second = await RunnerProcess.StartAsync(azurite, port);

        // The workflow retries what did not get a 200 (here: everything from the burst), then goes on.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await signer.SendAsync($"hb{i}", "\"type\":\"heartbeat\""));
        }

        Assert.Equal(HttpStatusCode.OK, await signer.SendAsync("ansible", "\"status\":\"provisioning\",\"step\":\"ansible_started\""));
        Assert.Equal(HttpStatusCode.OK, await signer.SendAsync("complete", "\"status\":\"provisioning\",\"step\":\"ansible_complete\""));
        Assert.Equal(HttpStatusCode.OK, await signer.SendAsync("running", "\"status\":\"running\",\"server_id\":\"7\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\""));

        var document = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{signer.Job}", UriKind.Relative))).RootElement;
        Assert.Equal("running", document.GetProperty("status").GetString());
        Assert.Equal("completed completed completed completed completed", States(document));
        Assert.Equal("31", document.GetProperty("workflow_run_id").GetString());

        var rows = 0;
        await foreach (var row in new TableServiceClient(azurite.ConnectionString).GetTableClient("jobs").QueryAsync<TableEntity>(e => e.PartitionKey == signer.Job.ToString()))
        {
            rows += row.RowKey.StartsWith("cb-", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.Equal(25, rows); // claim, vm_created, 20 heartbeats, ansible_started, ansible_complete, running: each once
    }

    /// <summary>Signs and sends callbacks for one job with fixed webhook-ids, so a resend is the same callback.</summary>
    private sealed class CallbackSigner(HttpClient client)
    {
        public Guid Job { get; set; }

        public async Task<HttpStatusCode> SendAsync(string id, string fields)
        {
            var body = System.Text.Encoding.UTF8.GetBytes(Body(Job, fields));
            var webhookId = $"msg_{Job:N}_{id}";
            var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/github") { Content = new ByteArrayContent(body) };
            request.Headers.Add("webhook-id", webhookId);
            request.Headers.Add("webhook-timestamp", ts);
            request.Headers.Add("webhook-signature", Signing.StandardWebhooks(Runner.Secret, webhookId, ts, body));
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        public async Task TrySendAsync(string id, string fields)
        {
            try
            {
                await SendAsync(id, fields);
            }
            catch (HttpRequestException)
            {
                // The backend died under it: the workflow would retry.
            }
        }
    }

    /// <summary>The local runner as its own OS process, as ./run.sh starts it, so it can be killed for real (SIGKILL: no graceful shutdown, as when a host dies).</summary>
    private static class RunnerProcess
    {
        public static async Task<ChildProcess> StartAsync(Azurite azurite, int port)
        {
            var dll = Path.Combine(RepositoryRoot.Path, "functions", "Provisioner.LocalRunner", "bin", RepositoryRoot.Configuration, "net10.0", "Provisioner.LocalRunner.dll");
            var process = ChildProcess.Start(new ChildProcessOptions("dotnet", [dll, "--port", port.ToString(CultureInfo.InvariantCulture)])
            {
                Environment = new Dictionary<string, string?>
                {
                    ["PROVISIONER_APP_ROOT"] = RepositoryRoot.Path,
                    ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
                    ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/",
                    ["AzureWebJobsStorage"] = azurite.ConnectionString,
                    ["GITHUB_CALLBACK_SECRET"] = Runner.Secret,
                    ["GITHUB_CALLBACK_SECRET_PREVIOUS"] = "",
                    ["GITHUB_TOKEN"] = "",
                    ["AzureWebJobs__DispatchJob__Disabled"] = "true",
                    ["AzureWebJobs__FailPoisonedDispatch__Disabled"] = "true",
                    ["AzureWebJobs__FailStuckJobs__Disabled"] = "true",
                },
                StopSignal = "KILL",
            });
            try
            {
                using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                await process.WaitUntilReadyAsync(
                    async () => (await probe.GetAsync(new Uri("/api/jobs/00000000-0000-0000-0000-000000000000", UriKind.Relative))).StatusCode == HttpStatusCode.NotFound,
                    TimeSpan.FromSeconds(60));
                return process;
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }
}
