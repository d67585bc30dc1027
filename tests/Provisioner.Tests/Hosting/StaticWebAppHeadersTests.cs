using System.Text.Json;
using Provisioner.Testing;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Hosting;

/// <summary>
/// The runner serves the page with the headers of web/staticwebapp.config.json, as the Static Web
/// App does, so the browser tests run the page under its Content-Security-Policy (they fail on
/// anything it refuses: Browser/BrowserPage).
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class StaticWebAppHeadersTests(Azurite azurite)
{
    [Fact]
    public async Task ThePage_IsServedWithTheStaticWebAppsGlobalHeaders()
    {
        await using var runner = await Runner.StartAsync(azurite, statusPage: true);
        using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "web", "staticwebapp.config.json")));
        var expected = config.RootElement.GetProperty("globalHeaders").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Contains("Content-Security-Policy", expected.Keys);

        foreach (var path in new[] { "/", "/app.js", "/styles.css" })
        {
            using var response = await runner.Client.GetAsync(new Uri(path, UriKind.Relative));
            response.EnsureSuccessStatusCode();
            foreach (var (name, value) in expected)
            {
                Assert.True(response.Headers.TryGetValues(name, out var sent) || response.Content.Headers.TryGetValues(name, out sent), $"{path} without {name}");
                Assert.Equal(value, Assert.Single(sent!));
            }
        }
    }
}
