using System.Globalization;
using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Teardown;

/// <summary>
/// The reaper (<c>.github/scripts/reaper.sh decide</c>) with tear downs about: it asks the
/// local runner for each job over its real API, and leaves a server to the deprovision job that
/// is removing it, or that removed it, rather than deleting it a second time.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class ReaperAfterTeardownTests(Azurite azurite) : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reaper-teardown-").FullName;
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task SendAsync(Guid job, string fields) =>
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{job}\",{fields}}}")).StatusCode);

    private async Task<(Guid Provision, Guid Deprovision)> TornDownAsync(string serverId, bool finished)
    {
        var agent = Runner.NewAgentId();
        var provision = await _runner.NewJobAsync(agent);
        await SendAsync(provision, "\"status\":\"provisioning\",\"workflow_run_id\":\"9101\"");
        await SendAsync(provision, $"\"status\":\"running\",\"server_id\":\"{serverId}\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"");
        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        var deprovision = (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid();
        await SendAsync(deprovision, "\"status\":\"provisioning\",\"workflow_run_id\":\"9102\"");
        if (finished)
        {
            await SendAsync(deprovision, $"\"status\":\"running\",\"server_id\":\"{serverId}\"");
        }

        return (provision, deprovision);
    }

    private static object Server(long id, string name, Guid job) => new
    {
        id,
        name,
        created = "2026-03-01T08:00:00+00:00",
        status = "running",
        labels = new Dictionary<string, string> { ["managed_by"] = "provisioner", ["job_id"] = job.ToString(), ["run_id"] = "9101", ["agent_id"] = "a" },
    };

    [Fact]
    public async Task Reaper_ServerBeingRemovedOrRemoved_IsKept_ItsTearDownOwnsIt()
    {
        var (removing, _) = await TornDownAsync("58391301", finished: false);
        var (removed, _) = await TornDownAsync("58391302", finished: true);
        var inventory = Path.Combine(_dir, "inventory.json");
        File.WriteAllText(inventory, JsonSerializer.Serialize(new
        {
            servers = new[] { Server(58391301, "agent-removing-11111111", removing), Server(58391302, "agent-removed-22222222", removed) },
            ssh_keys = Array.Empty<object>(),
            devices = Array.Empty<object>(),
        }));

        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "reaper.sh"), "decide", inventory])
            {
                WorkingDirectory = RepositoryRoot.Path,
                Environment = new Dictionary<string, string?>
                {
                    ["PROVISIONER_URL"] = _runner.Client.BaseAddress!.ToString(),
                    ["ACTIONS_ID_TOKEN_REQUEST_URL"] = null,
                    ["REAPER_GRACE_MINUTES"] = "120",
                    ["REAPER_NOW"] = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                    ["REAPER_RETRY_SECONDS"] = "0",
                },
            },
            TimeSpan.FromSeconds(120));

        Assert.True(run.ExitCode == 0, run.Output);
        var decisions = JsonDocument.Parse(run.StandardOutput).RootElement.EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.Clone());
        Assert.Equal(("keep", "running"), (decisions["agent-removing-11111111"].GetProperty("action").GetString(), decisions["agent-removing-11111111"].GetProperty("job_status").GetString()));
        Assert.Equal(("keep", "running"), (decisions["agent-removed-22222222"].GetProperty("action").GetString(), decisions["agent-removed-22222222"].GetProperty("job_status").GetString()));
    }
}
