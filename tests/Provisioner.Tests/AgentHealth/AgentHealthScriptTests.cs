using System.Text.Json;
using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.AgentHealth;

/// <summary>
/// The workflow side against the runner and Azurite: the real <c>callback.sh</c> keeps the
/// claim's agent key (masked, in a 0600 file, never printed), and the real reporter script that
/// <c>roles/agent_health</c> installs posts a report with that key, backing off when refused.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed partial class AgentHealthScriptTests(Azurite azurite) : IAsyncLifetime
{
    private static readonly string Reporter = Path.Combine(RepositoryRoot.Path, "ansible", "roles", "agent_health", "files", "agent-health-report.py");

    private readonly string _work = Directory.CreateTempSubdirectory("agent-health-").FullName;
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [GeneratedRegex("ak1_[0-9a-f]{32}_[A-Za-z0-9_-]{43}")]
    private static partial Regex KeyShape();

    private string CallbackUrl => new Uri(_runner.Client.BaseAddress!, "/api/webhooks/github").ToString();

    private Task<ChildProcessResult> CallbackAsync(Guid job, string keyFile, bool inActions, params string[] args) =>
        ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "callback.sh"), .. args])
            {
                WorkingDirectory = RepositoryRoot.Path,
                Environment = new Dictionary<string, string?>
                {
                    ["CALLBACK_URL"] = CallbackUrl,
                    ["JOB_ID"] = job.ToString(),
                    ["CALLBACK_SECRET"] = Runner.Secret,
                    ["GITHUB_RUN_ID"] = "31337",
                    ["GITHUB_RUN_ATTEMPT"] = "1",
                    ["GITHUB_ACTIONS"] = inActions ? "true" : null,
                    ["AGENT_KEY_FILE"] = keyFile,
                    ["CALLBACK_MAX_ATTEMPTS"] = null,
                },
            },
            TimeSpan.FromSeconds(60));

    /// <summary>The reporter as agent-health.service runs it, with the settings roles/agent_health writes (reporter.env).</summary>
    private Task<ChildProcessResult> ReportAsync(string agentId, string keyFile, string stateFile) =>
        ChildProcess.RunAsync(
            new ChildProcessOptions("python3", [Reporter])
            {
                Environment = new Dictionary<string, string?>
                {
                    // As the role derives it from the run's CALLBACK_URL and AGENT_ID.
                    ["AGENT_HEALTH_REPORT_URL"] = Regex.Replace(CallbackUrl, "/api/webhooks/github/?$", "") + $"/api/agents/{agentId}/health",
                    ["AGENT_HEALTH_KEY_FILE"] = keyFile,
                    ["AGENT_HEALTH_SERVICE"] = "agent-health-test-no-such.service",
                    ["AGENT_HEALTH_URL"] = new Uri(_runner.Client.BaseAddress!, "/api/health").ToString(),
                    ["AGENT_HEALTH_DISK_PATH"] = _work,
                    ["AGENT_HEALTH_MIN_FREE_PERCENT"] = "0",
                    ["AGENT_HEALTH_STATE_FILE"] = stateFile,
                    ["AGENT_HEALTH_VERSION"] = "test-1",
                },
            },
            TimeSpan.FromSeconds(60));

    [Fact]
    public async Task ClaimScript_KeepsTheAgentKeyMaskedInA0600FileAndNeverPrintsIt()
    {
        var job = await _runner.NewJobAsync();
        var keyFile = Path.Combine(_work, "agent-key");

        var claim = await CallbackAsync(job, keyFile, inActions: true, "claim");
        Assert.True(claim.ExitCode == 0, claim.Output);
        var key = await File.ReadAllTextAsync(keyFile);
        Assert.Matches("^" + KeyShape() + "$", key);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        // In Actions the key is masked (the only line that holds it, and GitHub never shows it); nothing else prints it.
        Assert.Equal($"::add-mask::{key}\n", claim.StandardOutput);
        Assert.DoesNotContain(key, claim.StandardError, StringComparison.Ordinal);

        // The same run claiming again (a re-run step) gets the same key; outside Actions nothing shows it at all.
        File.Delete(keyFile);
        var again = await CallbackAsync(job, keyFile, inActions: false, "claim");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(key, await File.ReadAllTextAsync(keyFile));
        Assert.DoesNotContain(key, again.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(KeyShape(), again.Output);
    }

    [Fact]
    public async Task Reporter_WithTheClaimedKey_ReportsItsChecksAndBacksOffWhenRefused()
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var keyFile = Path.Combine(_work, "agent-key");
        Assert.Equal(0, (await CallbackAsync(job, keyFile, inActions: false, "claim")).ExitCode);
        var running = await CallbackAsync(job, keyFile, false, "running", "server_id=7", "server_ip=203.0.113.7", "tailscale_ip=100.64.0.7");
        Assert.True(running.ExitCode == 0, running.Output);
        var key = await File.ReadAllTextAsync(keyFile);
        var state = Path.Combine(_work, "state.json");

        var report = await ReportAsync(agent, keyFile, state);
        Assert.True(report.ExitCode == 0, report.Output);
        Assert.DoesNotContain(key, report.Output, StringComparison.Ordinal);

        // The endpoint (here the backend's own /api/health) answered; the service does not exist here, so the agent is degraded.
        var (_, document) = await _runner.GetJobAsync(job);
        var health = document.GetProperty("health");
        Assert.Equal("degraded", health.GetProperty("state").GetString());
        var checks = health.GetProperty("checks");
        Assert.Equal("ok", checks.GetProperty("endpoint").GetProperty("status").GetString());
        Assert.Equal("failed", checks.GetProperty("service").GetProperty("status").GetString());
        Assert.Equal("ok", checks.GetProperty("disk").GetProperty("status").GetString());
        Assert.Equal("ok", checks.GetProperty("memory").GetProperty("status").GetString());

        // Again at once: 429; the reporter waits (Retry-After is its floor) and the next run skips.
        var tooSoon = await ReportAsync(agent, keyFile, state);
        Assert.True(tooSoon.ExitCode == 0, tooSoon.Output);
        Assert.Contains("429", tooSoon.Output, StringComparison.Ordinal);
        var backOff = JsonDocument.Parse(await File.ReadAllTextAsync(state)).RootElement;
        Assert.True(backOff.GetProperty("next_attempt_at").GetDouble() > DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        var skipped = await ReportAsync(agent, keyFile, state);
        Assert.Contains("backing off", skipped.Output, StringComparison.Ordinal);

        // A forged key is refused: exit 1, and an hour's wait.
        File.Delete(state);
        var forged = Path.Combine(_work, "forged-key");
        await File.WriteAllTextAsync(forged, key[..37] + new string('A', 43));
        var refused = await ReportAsync(agent, forged, state);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("401", refused.Output, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(await File.ReadAllTextAsync(state)).RootElement.GetProperty("next_attempt_at").GetDouble() > DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3000);
    }

    [Fact]
    public async Task Reporter_BackendUnreachable_BacksOffInsteadOfFailing()
    {
        var keyFile = Path.Combine(_work, "agent-key");
        await File.WriteAllTextAsync(keyFile, "ak1_" + Guid.NewGuid().ToString("N") + "_" + new string('A', 43));
        var state = Path.Combine(_work, "state.json");
        var closedPort = Azurite.FreePort();
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("python3", [Reporter])
            {
                Environment = new Dictionary<string, string?>
                {
                    ["AGENT_HEALTH_REPORT_URL"] = $"http://127.0.0.1:{closedPort}/api/agents/a/health",
                    ["AGENT_HEALTH_KEY_FILE"] = keyFile,
                    ["AGENT_HEALTH_URL"] = $"http://127.0.0.1:{closedPort}/healthz",
                    ["AGENT_HEALTH_STATE_FILE"] = state,
                },
            },
            TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("did not answer", run.Output, StringComparison.Ordinal);
        var first = JsonDocument.Parse(await File.ReadAllTextAsync(state)).RootElement;
        Assert.Equal(1, first.GetProperty("failures").GetInt32());
        Assert.True(first.GetProperty("next_attempt_at").GetDouble() >= DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 25);
    }
}
