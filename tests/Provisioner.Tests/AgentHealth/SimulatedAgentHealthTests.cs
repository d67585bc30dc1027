using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.AgentHealth;

/// <summary>
/// As ./run.sh runs it: the simulated workflow reaches running, then its agent reports health
/// through the real route with the key its claim returned; SIMULATOR_HEALTH picks the state.
/// </summary>
public sealed class SimulatedAgentHealthTests
{
    [Theory]
    [InlineData("ok", "healthy")]
    [InlineData("degraded", "degraded")]
    [InlineData("silent", "unreachable")]
    public async Task Simulator_AfterRunning_ShowsTheHealthItWasToldToReport(string health, string expected)
    {
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AzureWebJobs.DispatchJob.Disabled"] = "false",
            ["SIMULATOR_STEP_DELAY_MS"] = "50",
            ["SIMULATOR_HEALTH"] = health,
            ["HEALTH_SILENCE_MINUTES"] = "0.05",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        });

        var job = await runner.NewJobAsync();
        var document = await Eventually.WaitAsync(
            async () => (await runner.GetJobAsync(job)).Body,
            d => d.GetProperty("status").GetString() == "running" && d.GetProperty("health").GetProperty("state").GetString() == expected,
            TimeSpan.FromSeconds(30),
            $"running and {expected}");

        var healthView = document.GetProperty("health");
        if (expected == "unreachable")
        {
            Assert.Equal(JsonValueKind.Null, healthView.GetProperty("last_report_at").ValueKind);
        }
        else
        {
            Assert.NotEqual(JsonValueKind.Null, healthView.GetProperty("last_report_at").ValueKind);
            Assert.Equal(expected == "healthy" ? "ok" : "failed", healthView.GetProperty("checks").GetProperty("disk").GetProperty("status").GetString());
        }
    }
}
