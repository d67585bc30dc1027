using System.Net;
using System.Text.Json.Nodes;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>
/// One run's five callbacks, sent over HTTP in several orders, each received at its own time:
/// every order ends in the same status document (docs/callbacks.md, "How callbacks merge").
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class DeliveryOrderHttpTests(Azurite azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Created = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly ChosenTime _time = new();
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["GITHUB_OWNER"] = "o", ["GITHUB_REPO"] = "r" }, time: _time); // the run link is built from these and the run id (issue 23, item 9)

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    /// <summary>The claim, three steps and the success, as the legacy workflow sends them (the run named on the claim only).</summary>
    private static readonly string[] Run =
    [
        "\"status\":\"provisioning\",\"workflow_run_id\":\"4242\",\"workflow_run_url\":\"https://github.com/o/r/actions/runs/4242\"",
        "\"status\":\"provisioning\",\"step\":\"vm_created\"",
        "\"status\":\"provisioning\",\"step\":\"ansible_started\",\"mode\":\"full\",\"used_snapshot\":false",
        "\"status\":\"provisioning\",\"step\":\"ansible_complete\"",
        "\"status\":\"running\",\"server_id\":\"4711\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\",\"used_snapshot\":false",
    ];

    [Fact]
    public async Task Webhook_OneRunInSeveralOrders_GivesOneDocument()
    {
        int[][] orders = [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [4, 0, 1, 2, 3], [1, 2, 3, 4, 0], [2, 4, 0, 3, 1]];
        var documents = new List<string>();
        foreach (var order in orders)
        {
            _time.Now = Created;
            var job = await _runner.NewJobAsync();
            foreach (var i in order)
            {
                // Callback i is received i+1 minutes after the job was created, wherever it comes in the order.
                _time.Now = Created.AddMinutes(i + 1);
                var response = await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",{Run[i]}}}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var (status, body) = await _runner.GetJobAsync(job);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            var document = JsonNode.Parse(body.GetRawText())!.AsObject();
            document.Remove("job_id");
            document.Remove("agent_id");
            documents.Add(document.ToJsonString());
        }

        var first = JsonNode.Parse(documents[0])!;
        Assert.Equal("running", (string?)first["status"]);
        Assert.Equal("ansible_complete", (string?)first["current_step"]);
        Assert.Equal("4242", (string?)first["workflow_run_id"]);
        Assert.Equal("https://github.com/o/r/actions/runs/4242", (string?)first["workflow_run_url"]);
        Assert.All(documents, d => Assert.Equal(documents[0], d));
    }

    /// <summary>A clock the test sets: each delivery is received at the time the test chose for it.</summary>
    private sealed class ChosenTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = Created;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
