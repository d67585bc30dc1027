using System.Globalization;
using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// The reaper (<c>.github/scripts/reaper.sh</c>, run by <c>reap-agents.yml</c>): its decisions
/// on a recorded Hetzner and Tailscale inventory (<c>Workflow/Recorded/reaper-inventory.json</c>),
/// with every job's state asked of the local runner over its real API, and what it deletes,
/// against a recording stand-in for the Hetzner and Tailscale APIs.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class ReaperTests(Azurite azurite) : IAsyncLifetime, IDisposable
{
    /// <summary>What the recorded inventory's ages are judged against: 2026-03-01T12:00:00Z.</summary>
    private static readonly string Now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static readonly string[] AgentTag = ["tag:agent"];

    private readonly string _dir = Directory.CreateTempSubdirectory("reaper-").FullName;
    private Runner _runner = null!;
    private FakeGitHub _apis = null!;

    public async Task InitializeAsync()
    {
        _runner = await Runner.StartAsync(azurite);
        _apis = await FakeGitHub.StartAsync();
        // Tailscale's token endpoint and every DELETE get this answer.
        _apis.Default = new FakeGitHub.Answer(200, "{\"access_token\":\"tskey-api-test\"}");
    }

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        await _runner.DisposeAsync();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record ScriptRun(int ExitCode, string Output, string StandardOutput);

    private async Task<ScriptRun> ReaperAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var apis = _apis.BaseUrl.ToString().TrimEnd('/');
        var variables = new Dictionary<string, string?>
        {
            ["PROVISIONER_URL"] = _runner.Client.BaseAddress!.ToString(),
            ["ACTIONS_ID_TOKEN_REQUEST_URL"] = null,
            ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = null,
            ["REAPER_OIDC_AUDIENCE"] = null,
            ["REAPER_GRACE_MINUTES"] = "120",
            ["REAPER_DRY_RUN"] = null,
            ["REAPER_MAX_DELETIONS"] = null,
            ["REAPER_HOLD_GRACE_MINUTES"] = null,
            ["REAPER_NOW"] = Now,
            ["REAPER_RETRY_SECONDS"] = "0",
            ["HCLOUD_API_URL"] = apis + "/hcloud",
            ["TAILSCALE_API_URL"] = apis + "/tailscale",
            ["HCLOUD_TOKEN"] = "hcloud-test",
            ["TS_OAUTH_CLIENT_ID"] = "client-test",
            ["TS_OAUTH_SECRET"] = "secret-test",
            ["TS_AGENT_TAG"] = "tag:agent",
            ["GITHUB_STEP_SUMMARY"] = Path.Combine(_dir, "summary.md"),
        };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "reaper.sh"), .. args]) { WorkingDirectory = RepositoryRoot.Path, Environment = variables },
            TimeSpan.FromSeconds(120));
        return new ScriptRun(run.ExitCode, run.Output, run.StandardOutput);
    }

    private async Task SendAsync(Guid job, string fields) =>
        Assert.Equal(System.Net.HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}")).StatusCode);

    /// <summary>The recorded inventory, its job ids those of jobs in the states its server names say.</summary>
    private async Task<string> InventoryAsync()
    {
        var running = await _runner.NewJobAsync();
        await SendAsync(running, "\"status\":\"provisioning\",\"workflow_run_id\":\"9001\"");
        await SendAsync(running, "\"status\":\"running\",\"workflow_run_id\":\"9001\",\"server_id\":\"58391201\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"");
        var failed = await _runner.NewJobAsync();
        await SendAsync(failed, "\"status\":\"provisioning\",\"workflow_run_id\":\"9002\"");
        await SendAsync(failed, "\"status\":\"failed\",\"workflow_run_id\":\"9002\",\"failed_step\":\"configure\",\"error\":\"the agent is not up\"");
        var inFlight = await _runner.NewJobAsync();
        await SendAsync(inFlight, "\"status\":\"provisioning\",\"workflow_run_id\":\"9003\"");
        var queued = await _runner.NewJobAsync();

        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "Provisioner.Tests", "Workflow", "Recorded", "reaper-inventory.json"))
            .Replace("__RUNNING__", running.ToString(), StringComparison.Ordinal)
            .Replace("__FAILED__", failed.ToString(), StringComparison.Ordinal)
            .Replace("__IN_FLIGHT__", inFlight.ToString(), StringComparison.Ordinal)
            .Replace("__QUEUED__", queued.ToString(), StringComparison.Ordinal)
            .Replace("__UNKNOWN_NEW__", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("__UNKNOWN_OLD__", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        var file = Path.Combine(_dir, "inventory.json");
        File.WriteAllText(file, text);
        return file;
    }

    private async Task<(string File, Dictionary<string, JsonElement> ByName)> DecideAsync()
    {
        var decide = await ReaperAsync(new Dictionary<string, string?>(), "decide", await InventoryAsync());
        Assert.True(decide.ExitCode == 0, decide.Output);
        var file = Path.Combine(_dir, "decisions.json");
        File.WriteAllText(file, decide.StandardOutput);
        var decisions = JsonDocument.Parse(decide.StandardOutput).RootElement.EnumerateArray()
            .ToDictionary(d => d.GetProperty("kind").GetString() + " " + d.GetProperty("name").GetString(), d => d.Clone());
        return (file, decisions);
    }

    private static string Action(Dictionary<string, JsonElement> decisions, string key) =>
        decisions.TryGetValue(key, out var d) ? d.GetProperty("action").GetString()! : "(no decision)";

    [Theory]
    [InlineData("server agent-running-11111111", "keep", "running")]
    [InlineData("server agent-failed-22222222", "delete", "failed")]
    [InlineData("server agent-in-flight-33333333", "keep", "provisioning")]
    [InlineData("server agent-queued-44444444", "keep", "queued")]
    [InlineData("server agent-unknown-new-55555555", "keep", "unknown")] // 60 minutes old, inside the grace period
    [InlineData("server agent-unknown-old-66666666", "delete", "unknown")] // 121 minutes old
    [InlineData("server agent-image-builder-image-90", "keep", "unknown")] // an image build's, 30 minutes old
    public async Task Reaper_DecidesByTheJobsState(string key, string action, string jobStatus)
    {
        var (_, decisions) = await DecideAsync();

        Assert.Equal(action, Action(decisions, key));
        Assert.Equal(jobStatus, decisions[key].GetProperty("job_status").GetString());
    }

    [Fact]
    public async Task Reaper_SshKeysAndDevices_FollowTheirServers()
    {
        var (_, decisions) = await DecideAsync();

        Assert.Equal("delete", Action(decisions, "ssh_key provision-" + decisions["server agent-failed-22222222"].GetProperty("job_id").GetString() + "-9002"));
        Assert.Equal("keep", Action(decisions, "device agent-running-11111111"));
        Assert.Equal("delete", Action(decisions, "device agent-failed-22222222"));
        // No server of its name: deleted once older than the grace period.
        Assert.Equal("delete", Action(decisions, "device agent-gone-88888888"));
        Assert.Equal("keep", Action(decisions, "device agent-just-joined-99999999"));
        // Not the agents' tag, or no tag: never the reaper's business.
        Assert.DoesNotContain("device fv-az123-456", decisions.Keys);
        Assert.DoesNotContain("device agent-laptop", decisions.Keys);
    }

    [Fact]
    public async Task Reaper_DryRun_ChangesNothing_AndSaysWhatItWouldDelete()
    {
        var (file, decisions) = await DecideAsync();
        var job = decisions["server agent-failed-22222222"].GetProperty("job_id").GetGuid();
        var (_, before) = await _runner.GetJobAsync(job);

        var act = await ReaperAsync(new Dictionary<string, string?> { ["REAPER_DRY_RUN"] = "true" }, "act", file);

        Assert.True(act.ExitCode == 0, act.Output);
        Assert.Empty(_apis.Requests);
        var summary = File.ReadAllText(Path.Combine(_dir, "summary.md"));
        Assert.Contains("dry run: nothing is deleted; REAPER_DRY_RUN is true", summary, StringComparison.Ordinal);
        Assert.Contains("| server | agent-failed-22222222 | 58391202 |", summary, StringComparison.Ordinal);
        Assert.Contains("would delete (dry run)", summary, StringComparison.Ordinal);
        Assert.Contains("5 to delete, 7 kept.", summary, StringComparison.Ordinal);
        var (_, after) = await _runner.GetJobAsync(job);
        Assert.Equal(before.GetProperty("updated_at").GetString(), after.GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task Reaper_ByDefault_DeletesWhatItDecidedTo_AndNothingElse()
    {
        var (file, _) = await DecideAsync();

        // No variable at all: the reaper deletes.
        var act = await ReaperAsync(new Dictionary<string, string?>(), "act", file);

        Assert.True(act.ExitCode == 0, act.Output);
        var deletes = _apis.Requests.Where(r => r.Method == "DELETE").Select(r => r.Path).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["/hcloud/servers/58391202", "/hcloud/servers/58391206", "/hcloud/ssh_keys/7101", "/tailscale/device/n1002", "/tailscale/device/n1008"],
            deletes);
        Assert.All(_apis.Requests.Where(r => r.Path.StartsWith("/hcloud/", StringComparison.Ordinal)), r => Assert.Equal("Bearer hcloud-test", r.Authorization));
        Assert.Contains("| server | agent-failed-22222222 | 58391202 |", File.ReadAllText(Path.Combine(_dir, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reaper_AsksTheBackendWithItsRunsIdToken_AndKeepsWhatItCannotAskAbout()
    {
        await using var backend = await FakeGitHub.StartAsync();
        backend.Default = new FakeGitHub.Answer(401, "{\"title\":\"Unauthorized\"}");
        // The Actions token service (ACTIONS_ID_TOKEN_REQUEST_URL) answers {"value": token} to its request token.
        backend.Route = r => r.Path switch
        {
            "/api/health" => new FakeGitHub.Answer(200, "{\"status\":\"ok\"}"),
            "/id-token" when r.Authorization == "bearer request-token" => new FakeGitHub.Answer(200, "{\"count\":1,\"value\":\"run-id-token\"}"),
            _ => null,
        };
        var inventory = Path.Combine(_dir, "inventory.json");
        File.WriteAllText(inventory, """
            {"servers": [{"id": 1, "name": "agent-x-5f0c1a2b", "created": "2026-02-01T00:00:00+00:00",
              "labels": {"managed_by": "provisioner", "job_id": "5f0c1a2b-0000-4000-8000-000000000001"}}],
             "ssh_keys": [], "devices": []}
            """);

        var decide = await ReaperAsync(
            new Dictionary<string, string?>
            {
                ["PROVISIONER_URL"] = backend.BaseUrl.ToString(),
                ["ACTIONS_ID_TOKEN_REQUEST_URL"] = backend.BaseUrl + "id-token?api-version=2.0",
                ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "request-token",
            },
            "decide",
            inventory);

        Assert.True(decide.ExitCode == 0, decide.Output);
        // The token is asked for the backend's address as its audience (what the backend expects by default).
        var tokenRequest = Assert.Single(backend.Requests, r => r.Path == "/id-token");
        Assert.Contains("audience=" + Uri.EscapeDataString(backend.BaseUrl.ToString()), tokenRequest.Query, StringComparison.Ordinal);
        var request = Assert.Single(backend.Requests, r => r.Path.StartsWith("/api/jobs/", StringComparison.Ordinal));
        Assert.Equal("/api/jobs/5f0c1a2b-0000-4000-8000-000000000001", request.Path);
        Assert.Equal("Bearer run-id-token", request.Authorization);
        var decision = Assert.Single(JsonDocument.Parse(decide.StandardOutput).RootElement.EnumerateArray());
        Assert.Equal("keep", decision.GetProperty("action").GetString());
        Assert.Equal("error", decision.GetProperty("job_status").GetString());

        // A run that could not decide something is red, after doing the rest.
        File.WriteAllText(Path.Combine(_dir, "decisions.json"), decide.StandardOutput);
        var act = await ReaperAsync(new Dictionary<string, string?>(), "act", Path.Combine(_dir, "decisions.json"));
        Assert.Equal(1, act.ExitCode);
    }

    [Fact]
    public async Task Reaper_ServerHeldForARerun_KeptUntilItsDeadlinePlusTheHoldGrace_ThenDeleted()
    {
        // A run that failed at Configuring Agent kept its server for 30 minutes, and said so.
        var now = DateTimeOffset.UtcNow;
        var failed = await _runner.NewJobAsync();
        await SendAsync(failed, "\"status\":\"provisioning\",\"workflow_run_id\":\"9100\"");
        var keptUntil = now.AddMinutes(30).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await SendAsync(failed, $"\"status\":\"failed\",\"workflow_run_id\":\"9100\",\"failed_step\":\"configure\",\"error\":\"x\",\"server_id\":\"71\",\"server_kept_until\":\"{keptUntil}\"");
        // The same job without the backend's word (its failure report never said the server was kept).
        var notKept = await _runner.NewJobAsync();
        await SendAsync(notKept, "\"status\":\"provisioning\",\"workflow_run_id\":\"9101\"");
        await SendAsync(notKept, "\"status\":\"failed\",\"workflow_run_id\":\"9101\",\"failed_step\":\"configure\",\"error\":\"x\",\"server_id\":\"74\"");
        var label = now.AddMinutes(30).ToUnixTimeSeconds();
        var inventory = Path.Combine(_dir, "inventory.json");
        File.WriteAllText(inventory, $$$"""
            {"servers": [
              {"id": 71, "name": "agent-held-11111111", "created": "2026-03-01T00:00:00+00:00",
               "labels": {"managed_by": "provisioner", "job_id": "{{{failed}}}", "run_id": "9100", "keep_until": "{{{label}}}"}},
              {"id": 72, "name": "agent-unlabelled-22222222", "created": "2026-03-01T00:00:00+00:00",
               "labels": {"managed_by": "provisioner", "job_id": "{{{failed}}}", "run_id": "9100"}},
              {"id": 74, "name": "agent-not-kept-44444444", "created": "2026-03-01T00:00:00+00:00",
               "labels": {"managed_by": "provisioner", "job_id": "{{{notKept}}}", "run_id": "9101", "keep_until": "{{{label}}}"}}],
             "ssh_keys": [],
             "devices": [{"id": "n71", "hostname": "agent-held-11111111", "tags": ["tag:agent"], "created": "2026-03-01T00:00:00Z"}]}
            """);

        async Task<Dictionary<string, string>> DecideAtAsync(DateTimeOffset at)
        {
            var decide = await ReaperAsync(new Dictionary<string, string?> { ["REAPER_NOW"] = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) }, "decide", inventory);
            Assert.True(decide.ExitCode == 0, decide.Output);
            return JsonDocument.Parse(decide.StandardOutput).RootElement.EnumerateArray()
                .ToDictionary(d => d.GetProperty("kind").GetString() + " " + d.GetProperty("name").GetString(), d => d.GetProperty("action").GetString() + ": " + d.GetProperty("reason").GetString());
        }

        var inside = await DecideAtAsync(now.AddMinutes(29));
        Assert.StartsWith("keep: held for a re-run from the failed step until ", inside["server agent-held-11111111"], StringComparison.Ordinal);
        Assert.StartsWith("keep", inside["device agent-held-11111111"], StringComparison.Ordinal);
        Assert.StartsWith("delete", inside["server agent-unlabelled-22222222"], StringComparison.Ordinal);
        Assert.StartsWith("delete", inside["server agent-not-kept-44444444"], StringComparison.Ordinal);

        // The backend ends the hold itself at the deadline; the reaper waits REAPER_HOLD_GRACE_MINUTES (30) more.
        var inGrace = await DecideAtAsync(now.AddMinutes(59));
        Assert.StartsWith("keep: held for a re-run from the failed step until ", inGrace["server agent-held-11111111"], StringComparison.Ordinal);

        var past = await DecideAtAsync(now.AddMinutes(61));
        Assert.StartsWith("delete: its hold ended at ", past["server agent-held-11111111"], StringComparison.Ordinal);
        Assert.StartsWith("delete", past["device agent-held-11111111"], StringComparison.Ordinal);
    }

    private async Task<string> InventoryOfAsync(params (long Id, string Name, string Created, Guid Job)[] servers)
    {
        var inventory = Path.Combine(_dir, "inventory-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(inventory, JsonSerializer.Serialize(new
        {
            servers = servers.Select(s => new
            {
                id = s.Id,
                name = s.Name,
                created = s.Created,
                labels = new Dictionary<string, string> { ["managed_by"] = "provisioner", ["job_id"] = s.Job.ToString(), ["run_id"] = "9200" },
            }),
            ssh_keys = Array.Empty<object>(),
            devices = Array.Empty<object>(),
        }));
        return inventory;
    }

    /// <summary>
    /// A wrong PROVISIONER_URL that still has a health route answering ok (another app, a proxy):
    /// every job is a 404, but not the app's problem document naming the job. The whole run,
    /// listing included, deletes nothing and fails.
    /// </summary>
    [Fact]
    public async Task Reaper_BackendWhose404IsNotTheApps_DeletesNothing()
    {
        await using var backend = await FakeGitHub.StartAsync();
        backend.Default = new FakeGitHub.Answer(404, "{\"message\":\"Not Found\"}");
        backend.Route = r => r.Path == "/api/health" ? new FakeGitHub.Answer(200, "{\"status\":\"ok\"}") : null;
        var old = Guid.NewGuid();
        _apis.Route = r => r.Method == "GET" && r.Path == "/hcloud/servers"
            ? new FakeGitHub.Answer(200, JsonSerializer.Serialize(new { servers = new[] { new { id = 880, name = "agent-live-" + old.ToString()[..8], created = "2026-02-01T00:00:00+00:00", labels = new Dictionary<string, string> { ["managed_by"] = "provisioner", ["job_id"] = old.ToString(), ["run_id"] = "1" } } }, meta = new { pagination = new { next_page = (int?)null } } }))
            : r.Method == "GET" && r.Path == "/hcloud/ssh_keys" ? new FakeGitHub.Answer(200, """{"ssh_keys": [], "meta": {"pagination": {"next_page": null}}}""")
            : r.Method == "GET" && r.Path == "/tailscale/tailnet/-/devices" ? new FakeGitHub.Answer(200, JsonSerializer.Serialize(new { devices = new[] { new { id = "n880", hostname = "agent-live-" + old.ToString()[..8], tags = AgentTag, created = "2026-02-01T00:00:00Z" } } }))
            : null;

        var run = await ReaperAsync(new Dictionary<string, string?> { ["PROVISIONER_URL"] = backend.BaseUrl.ToString() });

        Assert.Equal(1, run.ExitCode);
        Assert.DoesNotContain(_apis.Requests, r => r.Method == "DELETE");
        Assert.Contains(backend.Requests, r => r.Path == $"/api/jobs/{old}");
        var summary = File.ReadAllText(Path.Combine(_dir, "summary.md"));
        Assert.Contains("is not the backend's own (check PROVISIONER_URL)", summary, StringComparison.Ordinal);
        Assert.Contains("0 to delete", summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, "{\"title\":\"Not found\",\"status\":404}")]
    [InlineData(200, "<html>ok</html>")]
    [InlineData(200, "{\"status\":\"degraded\"}")]
    public async Task Reaper_HealthIsNotTheApps_AsksNothingAndDecidesNothing(int status, string body)
    {
        await using var backend = await FakeGitHub.StartAsync();
        backend.Default = new FakeGitHub.Answer(status, body);
        var inventory = await InventoryOfAsync((1, "agent-x-11111111", "2026-02-01T00:00:00+00:00", Guid.NewGuid()));

        var decide = await ReaperAsync(new Dictionary<string, string?> { ["PROVISIONER_URL"] = backend.BaseUrl.ToString() }, "decide", inventory);

        Assert.Equal(1, decide.ExitCode);
        Assert.Equal("", decide.StandardOutput.Trim());
        Assert.Equal("/api/health", Assert.Single(backend.Requests).Path);
        Assert.Contains("is not the Provisioner backend", decide.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reaper_CancelledJob_ServerDeleted()
    {
        var cancelled = await _runner.NewJobAsync();
        await SendAsync(cancelled, "\"status\":\"provisioning\",\"workflow_run_id\":\"9300\"");
        using (var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{cancelled}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode); // a person asked: the clean-up's report ends it cancelled, not timed out
        }

        await SendAsync(cancelled, "\"status\":\"cancelled\",\"workflow_run_id\":\"9300\"");
        Assert.Equal("cancelled", (await _runner.GetJobAsync(cancelled)).Body.GetProperty("status").GetString());
        var inventory = await InventoryOfAsync((93, "agent-cancelled-11111111", "2026-03-01T11:50:00+00:00", cancelled));

        var decide = await ReaperAsync(new Dictionary<string, string?>(), "decide", inventory);

        Assert.True(decide.ExitCode == 0, decide.Output);
        var decision = Assert.Single(JsonDocument.Parse(decide.StandardOutput).RootElement.EnumerateArray());
        Assert.Equal(("delete", "cancelled"), (decision.GetProperty("action").GetString(), decision.GetProperty("job_status").GetString()));
    }

    [Fact]
    public async Task Reaper_MoreThanTheCap_DeletesTheOldestUpToIt_AndLeavesTheRestToAPerson()
    {
        // Seven servers of jobs the backend (its own 404) does not know, all past the grace period.
        var servers = Enumerable.Range(1, 7)
            .Select(i => (Id: (long)(9400 + i), Name: $"agent-gone-{i}", Created: $"2026-02-0{i}T00:00:00+00:00", Job: Guid.NewGuid()))
            .ToArray();
        File.WriteAllText(Path.Combine(_dir, "decisions.json"), (await ReaperAsync(new Dictionary<string, string?> { ["REAPER_MAX_DELETIONS"] = "2" }, "decide", await InventoryOfAsync(servers))).StandardOutput);

        var act = await ReaperAsync(new Dictionary<string, string?> { ["REAPER_MAX_DELETIONS"] = "2" }, "act", Path.Combine(_dir, "decisions.json"));

        Assert.Equal(1, act.ExitCode);
        var deletes = _apis.Requests.Where(r => r.Method == "DELETE").Select(r => r.Path).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["/hcloud/servers/9401", "/hcloud/servers/9402"], deletes);
        var summary = File.ReadAllText(Path.Combine(_dir, "summary.md"));
        Assert.Contains("2 to delete, 5 kept, 5 of them over the cap (REAPER_MAX_DELETIONS): left to a person.", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ReapWorkflow_DeletesUnlessTheVariableAsksForADryRun_WithACap_AndRunsOnASchedule()
    {
        var workflow = WorkflowYaml.Workflow("reap-agents.yml");
        var env = workflow["jobs"]!["reap"]!["env"]!;

        Assert.NotNull(workflow["on"]?["schedule"]);
        Assert.Equal("${{ vars.REAPER_DRY_RUN == 'true' || inputs.dry_run == true }}", (string?)env["REAPER_DRY_RUN"]);
        Assert.Equal("${{ vars.REAPER_MAX_DELETIONS || '5' }}", (string?)env["REAPER_MAX_DELETIONS"]);
        Assert.Null(env["REAPER_DELETE"]);
        Assert.Null(env["PROVISIONER_API_TOKEN"]);

        // The reaper proves itself with its run's ID token: no stored API token anywhere (issue 23, item 6).
        Assert.Equal("write", (string?)workflow["jobs"]!["reap"]!["permissions"]?["id-token"]);
        Assert.DoesNotContain("PROVISIONER_API_TOKEN", workflow.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PROVISIONER_API_TOKEN", File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "scripts", "reaper.sh")), StringComparison.Ordinal);
        // Started by its schedule or by hand only: the events the backend accepts a reaper token from.
        Assert.Equal(["schedule", "workflow_dispatch"], workflow["on"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));

        // The secrets only in the step that runs the reaper.
        var step = workflow["jobs"]!["reap"]!["steps"]!.AsArray().Single(s => ((string?)s?["run"] ?? "").Contains("reaper.sh", StringComparison.Ordinal))!;
        Assert.Equal("${{ secrets.HCLOUD_TOKEN }}", (string?)step["env"]?["HCLOUD_TOKEN"]);
        Assert.Contains("bash .github/scripts/reaper.sh", workflow.ToJsonString(), StringComparison.Ordinal);
    }
}
