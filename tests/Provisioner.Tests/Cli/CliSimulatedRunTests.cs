using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Cli;

/// <summary>
/// What the README shows, end to end: `provisioner create --agent … --region eu-central --follow`
/// against a runner that dispatches to the simulated workflow (as ./run.sh does) draws the steps
/// as the workflow reports them and exits 0 at Running.
/// </summary>
public sealed class CliSimulatedRunTests
{
    [Fact]
    public async Task CreateFollow_SimulatedWorkflow_DrawsTheStepsAsTheyHappen_AndExitsZeroAtRunning()
    {
        await using var runner = await DispatchingRunner.StartSimulatedAsync(stepDelayMilliseconds: 1500);
        var agent = Runner.NewAgentId();

        var result = await Cli.RunAsync(runner.Runner.Client.BaseAddress, "create", "--agent", agent, "--region", "eu-central", "--follow", "--timeout", "120");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("job ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("queued", lines[0], StringComparison.Ordinal);
        // Drawn as it happened, not only at the end: steps seen active before completed, at
        // several moments. (Until the stream route is there the tool polls at the server's
        // Retry-After pace, so a short step may be seen only completed.)
        string[] steps = ["Creating Server", "Installing Dependencies", "Configuring Agent", "Running"];
        Assert.All(steps, step => Assert.Contains(lines, l => l.Contains($"{step}: completed", StringComparison.Ordinal)));
        Assert.Contains(steps[..3], step =>
            Array.FindIndex(lines, l => l.Contains($"{step}: active", StringComparison.Ordinal)) is var active and >= 0
            && Array.FindIndex(lines, l => l.Contains($"{step}: completed", StringComparison.Ordinal)) > active);
        Assert.True(lines.Where(l => !l.StartsWith("job ", StringComparison.Ordinal)).Select(l => l[..8]).Distinct().Count() >= 3, result.ToString());
        Assert.EndsWith(": running", lines[^1], StringComparison.Ordinal);
    }
}
