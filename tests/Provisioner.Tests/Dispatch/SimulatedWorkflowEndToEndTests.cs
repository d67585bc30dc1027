using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Dispatch;

/// <summary>
/// End to end over HTTP, as ./run.sh runs it: POST /api/jobs, the runner's queue trigger
/// dispatches to the simulated workflow, which sends signed callbacks to the runner.
/// </summary>
public sealed class SimulatedWorkflowEndToEndTests
{
    private static async Task<(Azurite Azurite, Runner Runner)> StartAsync(string failAt)
    {
        var azurite = new Azurite();
        await azurite.InitializeAsync();
        var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AzureWebJobs.DispatchJob.Disabled"] = "false",
            ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "false",
            ["SIMULATOR_STEP_DELAY_MS"] = "50",
            ["SIMULATOR_FAIL_AT"] = failAt,
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        });
        return (azurite, runner);
    }

    private static async Task<JsonElement> RunToEndAsync(Runner runner)
    {
        var job = await runner.NewJobAsync();
        return await Eventually.WaitAsync(
            async () => (await runner.GetJobAsync(job)).Body,
            d => d.GetProperty("status").GetString() is "running" or "failed",
            TimeSpan.FromSeconds(30),
            "a terminal status");
    }

    [Fact]
    public async Task Create_WithTheSimulator_ReachesRunningWithEveryStepCompletedAndTimed()
    {
        var (azurite, runner) = await StartAsync(failAt: "");
        await using (azurite)
        await using (runner)
        {
            var document = await RunToEndAsync(runner);
            Assert.Equal("running", document.GetProperty("status").GetString());
            Assert.StartsWith("sim-", document.GetProperty("workflow_run_id").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("100.64.", document.GetProperty("server").GetProperty("tailscale_ip").GetString(), StringComparison.Ordinal);
            Assert.NotEqual(JsonValueKind.Null, document.GetProperty("last_heartbeat_at").ValueKind);
            var steps = document.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(5, steps.Count);
            Assert.All(steps, s =>
            {
                Assert.Equal("completed", s.GetProperty("state").GetString());
                Assert.NotEqual(JsonValueKind.Null, s.GetProperty("started_at").ValueKind);
                Assert.NotEqual(JsonValueKind.Null, s.GetProperty("completed_at").ValueKind);
            });
        }
    }

    [Theory]
    [InlineData("provision", "completed error pending pending pending")]
    [InlineData("install", "completed completed error pending pending")]
    [InlineData("configure", "completed completed completed error pending")]
    public async Task Create_WithTheSimulatorFailing_EndsFailedOnTheConfiguredStep(string failAt, string states)
    {
        var (azurite, runner) = await StartAsync(failAt);
        await using (azurite)
        await using (runner)
        {
            var document = await RunToEndAsync(runner);
            Assert.Equal("failed", document.GetProperty("status").GetString());
            Assert.Equal(states, string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString())));
            Assert.Equal(failAt, document.GetProperty("error").GetProperty("failed_step").GetString());
            Assert.False(string.IsNullOrWhiteSpace(document.GetProperty("error").GetProperty("message").GetString()));
        }
    }
}
