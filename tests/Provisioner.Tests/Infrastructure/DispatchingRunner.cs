namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// A runner whose queue trigger dispatches for real, on an Azurite of its own (a dispatching
/// runner would take other tests' messages): to a fake GitHub over HTTP
/// (<see cref="StartAsync"/>), or to the simulated workflow, as ./run.sh runs
/// (<see cref="StartSimulatedAsync"/>). The setup the dispatch and end-to-end tests share.
/// </summary>
public sealed class DispatchingRunner : IAsyncDisposable
{
    private readonly FakeGitHub? _github;

    private DispatchingRunner(Azurite azurite, FakeGitHub? github, Runner runner)
    {
        Azurite = azurite;
        _github = github;
        Runner = runner;
    }

    public Azurite Azurite { get; }

    public FakeGitHub GitHub => _github ?? throw new InvalidOperationException("this runner dispatches to the simulated workflow: there is no GitHub");

    public Runner Runner { get; }

    /// <summary>Dispatches to a fake GitHub over HTTP; <paramref name="more"/> adds or overrides settings.</summary>
    public static async Task<DispatchingRunner> StartAsync(IReadOnlyDictionary<string, string?>? more = null)
    {
        var azurite = new Azurite();
        await azurite.InitializeAsync();
        var github = await FakeGitHub.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["GITHUB_TOKEN"] = "ghp_runner_token",
            ["GITHUB_OWNER"] = "octo",
            ["GITHUB_REPO"] = "infra",
            ["GITHUB_API_URL"] = github.BaseUrl.AbsoluteUri,
            ["DISPATCH_RETRY_ATTEMPTS"] = "1",
            ["DISPATCH_RETRY_BASE_DELAY_SECONDS"] = "0.01",
        };
        return new DispatchingRunner(azurite, github, await Runner.StartAsync(azurite, Dispatching(settings, more)));
    }

    /// <summary>Dispatches to the simulated workflow, <paramref name="stepDelayMilliseconds"/> between its callbacks; <paramref name="more"/> adds or overrides settings.</summary>
    public static async Task<DispatchingRunner> StartSimulatedAsync(int stepDelayMilliseconds, IReadOnlyDictionary<string, string?>? more = null, TimeProvider? time = null)
    {
        var azurite = new Azurite();
        await azurite.InitializeAsync();
        var settings = new Dictionary<string, string?> { ["SIMULATOR_STEP_DELAY_MS"] = stepDelayMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new DispatchingRunner(azurite, null, await Runner.StartAsync(azurite, Dispatching(settings, more), time));
    }

    private static Dictionary<string, string?> Dispatching(Dictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? more)
    {
        settings["AzureWebJobs.DispatchJob.Disabled"] = "false";
        settings["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200";
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await Runner.DisposeAsync();
        if (_github is not null)
        {
            await _github.DisposeAsync();
        }

        await Azurite.DisposeAsync();
    }
}
