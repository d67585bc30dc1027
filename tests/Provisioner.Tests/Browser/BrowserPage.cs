using Microsoft.Playwright;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Browser;

/// <summary>
/// What every page test starts with: an Azurite of its own, a Chromium context and page (30 s
/// default timeout), and runners serving the page on it, each stopped with the test. A test
/// starts the runners it needs (<see cref="StartRunnerAsync"/>), with its settings and clock.
/// </summary>
public sealed class BrowserPage(Chromium chromium, int height = 1000) : IAsyncLifetime
{
    private readonly List<Runner> _runners = [];
    private readonly List<string> _cspViolations = [];
    private IBrowserContext _context = null!;

    public Azurite Azurite { get; } = new();

    public IPage Page { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 900, Height = height } });
        Page = await _context.NewPageAsync();
        Page.SetDefaultTimeout(30_000);

        // The runner sends the page's Content-Security-Policy, as the Static Web App does: whatever it blocks is a failure of the test.
        Page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                lock (_cspViolations)
                {
                    _cspViolations.Add(message.Text);
                }
            }
        };
    }

    /// <summary>What the page's Content-Security-Policy refused so far (Chromium's console messages).</summary>
    public IReadOnlyList<string> CspViolations
    {
        get
        {
            lock (_cspViolations)
            {
                return [.. _cspViolations];
            }
        }
    }

    /// <summary>A runner serving the page (and the API) on this test's Azurite.</summary>
    public async Task<Runner> StartRunnerAsync(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, int? port = null)
    {
        var runner = await Runner.StartAsync(Azurite, settings, time, port, statusPage: true);
        _runners.Add(runner);
        return runner;
    }

    /// <summary>Stops one runner before the test ends (the API going away).</summary>
    public async Task StopRunnerAsync(Runner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        _runners.Remove(runner);
        await runner.DisposeAsync();
    }

    public Task<byte[]> ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotFolder, name), FullPage = true });

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }

        foreach (var runner in _runners)
        {
            await runner.DisposeAsync();
        }

        await Azurite.DisposeAsync();
        if (CspViolations.Count > 0)
        {
            throw new InvalidOperationException("The page's Content-Security-Policy refused: " + string.Join(" | ", CspViolations));
        }
    }
}
