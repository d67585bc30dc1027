using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// <c>.ci/check-action-pins.sh</c> (offline, in <c>./test.sh</c>) and
/// <c>.ci/verify-action-pins.sh</c> (online, in CI): the repository's pins pass, and each rule
/// catches what it is for. The online script runs here against a local git repository standing
/// in for github.com and raw.githubusercontent.com.
/// </summary>
public sealed class ActionPinsTests : IDisposable
{
    private const string Checkout = "3d3c42e5aac5ba805825da76410c181273ba90b1";
    private readonly string _dir = Directory.CreateTempSubdirectory("action-pins-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Run(int ExitCode, string Output);

    private static async Task<Run> RunAsync(string program, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions(program, [.. args])
            {
                WorkingDirectory = workingDirectory ?? RepositoryRoot.Path,
                Environment = (environment ?? new Dictionary<string, string>()).ToDictionary(e => e.Key, e => (string?)e.Value),
            },
            TimeSpan.FromSeconds(60));
        return new Run(run.ExitCode, run.Output);
    }

    private Task<Run> CheckAsync(string workflow)
    {
        var file = Path.Combine(_dir, "workflow.yml");
        File.WriteAllText(file, "jobs:\n  test:\n    steps:\n" + workflow);
        return RunAsync("bash", [".ci/check-action-pins.sh", file]);
    }

    [Fact]
    public async Task CheckActionPins_TheRepositorysWorkflows_Pass()
    {
        var run = await RunAsync("bash", [".ci/check-action-pins.sh"]);

        Assert.True(run.ExitCode == 0, run.Output);
    }

    [Theory]
    [InlineData("      - uses: actions/checkout@v7\n", "not pinned by a full 40-hex commit SHA")]
    [InlineData("      - uses: actions/checkout@" + Checkout + "\n", "'# vX.Y.Z' comment")]
    [InlineData("      - uses: actions/checkout@" + Checkout + " # v7\n", "'# vX.Y.Z' comment")]
    [InlineData("      - uses: actions/checkout@" + Checkout + " # v7.0.1\n      - uses: actions/checkout@" + Checkout + " # v7.0.0\n", "use one version of an action everywhere")]
    [InlineData("      - uses: actions/checkout@" + Checkout + " # v7.0.1\n      - uses: Actions/Checkout@0123456789012345678901234567890123456789 # v7.0.1\n", "use one version of an action everywhere")]
    [InlineData("      - with:\n          node-version: 20\n", "node-version 20 is past its end of life")]
    [InlineData("      - with:\n          node-version: [24, \"18.x\"]\n", "node-version 18.x is past its end of life")]
    public async Task CheckActionPins_Refuses(string steps, string finding)
    {
        var run = await CheckAsync(steps);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(finding, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckActionPins_AcceptsLocalActionsAndMaintainedNode()
    {
        var run = await CheckAsync(
            "      - uses: actions/setup-node@" + Checkout + " # v7.0.0\n        with:\n          node-version: 24\n" +
            "      - uses: ./.github/actions/setup-ansible\n      - with:\n          node-version: lts/*\n");

        Assert.True(run.ExitCode == 0, run.Output);
    }

    /// <summary>
    /// A stand-in for OWNER/REPO on github.com: v1.0.0 (lightweight tag) runs on node20,
    /// v2.0.0 (annotated tag) on node24; raw/OWNER/REPO/SHA/action.yml as raw.githubusercontent.com serves it.
    /// </summary>
    private async Task<(string Server, string Raw, string V1, string V2)> FakeActionAsync()
    {
        var server = Path.Combine(_dir, "github");
        var repo = Path.Combine(server, "octo", "act");
        var raw = Path.Combine(_dir, "raw");
        Directory.CreateDirectory(repo);
        var git = new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = "t", ["GIT_AUTHOR_EMAIL"] = "t@example.com",
            ["GIT_COMMITTER_NAME"] = "t", ["GIT_COMMITTER_EMAIL"] = "t@example.com",
        };

        async Task<string> Release(string version, string runtime, bool annotated)
        {
            await File.WriteAllTextAsync(Path.Combine(repo, "action.yml"), $"name: act\nruns:\n  using: '{runtime}'\n  main: index.js\n");
            Assert.Equal(0, (await RunAsync("git", ["add", "action.yml"], repo, git)).ExitCode);
            Assert.Equal(0, (await RunAsync("git", ["commit", "-q", "-m", version], repo, git)).ExitCode);
            Assert.Equal(0, (await RunAsync("git", annotated ? ["tag", "-a", "-m", version, version] : ["tag", version], repo, git)).ExitCode);
            var sha = (await RunAsync("git", ["rev-parse", "HEAD"], repo)).Output.Trim();
            var served = Path.Combine(raw, "octo", "act", sha);
            Directory.CreateDirectory(served);
            File.Copy(Path.Combine(repo, "action.yml"), Path.Combine(served, "action.yml"));
            return sha;
        }

        Assert.Equal(0, (await RunAsync("git", ["init", "-q"], repo)).ExitCode);
        var v1 = await Release("v1.0.0", "node20", annotated: false);
        var v2 = await Release("v2.0.0", "node24", annotated: true);
        return (server, raw, v1, v2);
    }

    private async Task<Run> VerifyAsync(string server, string raw, string uses)
    {
        var file = Path.Combine(_dir, "workflow.yml");
        await File.WriteAllTextAsync(file, $"jobs:\n  test:\n    steps:\n      - uses: {uses}\n");
        return await RunAsync("bash", [".ci/verify-action-pins.sh", file], environment: new Dictionary<string, string>
        {
            ["GITHUB_SERVER_URL"] = server,
            ["PINS_RAW_URL"] = "file://" + raw,
        });
    }

    [Fact]
    public async Task VerifyActionPins_ChecksTheTagAndTheRuntime()
    {
        var (server, raw, v1, v2) = await FakeActionAsync();

        var good = await VerifyAsync(server, raw, $"octo/act@{v2} # v2.0.0");
        Assert.True(good.ExitCode == 0, good.Output);
        Assert.Contains("runs.using node24", good.Output, StringComparison.Ordinal);

        var wrongTag = await VerifyAsync(server, raw, $"octo/act@{v1} # v2.0.0");
        Assert.Equal(1, wrongTag.ExitCode);
        Assert.Contains($"tag v2.0.0 is {v2}, not the pinned SHA", wrongTag.Output, StringComparison.Ordinal);

        var noTag = await VerifyAsync(server, raw, $"octo/act@{v2} # v2.0.1");
        Assert.Equal(1, noTag.ExitCode);
        Assert.Contains("has no tag v2.0.1", noTag.Output, StringComparison.Ordinal);

        var node20 = await VerifyAsync(server, raw, $"octo/act@{v1} # v1.0.0");
        Assert.Equal(1, node20.ExitCode);
        Assert.Contains("runs on node20", node20.Output, StringComparison.Ordinal);
    }
}
