using System.Diagnostics;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Infra;

/// <summary>
/// The headers the Static Web App sends with the status page (web/staticwebapp.config.json), as
/// committed and as the deploy hook (infra/hooks/write-web-config.sh) rewrites them: the CSP's
/// connect-src names the page's own origin, the API's origin and the sign-in authority's origin,
/// never a whole scheme, and every response carries HSTS.
/// </summary>
public sealed class StaticWebAppHeadersTests : IDisposable
{
    private const string ApiOrigin = "https://provisioner-api.azurewebsites.net";
    private const string Authority = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000";

    private readonly string _web = Directory.CreateTempSubdirectory("web-config-").FullName;

    public StaticWebAppHeadersTests()
    {
        foreach (var name in new[] { "config.json", "staticwebapp.config.json" })
        {
            File.Copy(Path.Combine(RepositoryRoot.Path, "web", name), Path.Combine(_web, name));
        }
    }

    public void Dispose() => Directory.Delete(_web, recursive: true);

    [Fact]
    public void Committed_ConnectsToItsOwnOriginOnly_AndSendsHsts()
    {
        var headers = GlobalHeaders(Path.Combine(RepositoryRoot.Path, "web", "staticwebapp.config.json"));

        Assert.Equal(["'self'"], ConnectSources(headers));
        AssertHsts(headers);
    }

    [Fact]
    public async Task Predeploy_NamesTheApiAndTheAuthority_AndNoBlanketScheme_AndResetPutsBackTheCommittedFile()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(_web, "staticwebapp.config.json"));

        await RunHookAsync(new() { ["API_BASE_URL"] = $"{ApiOrigin}/api", ["WEB_AUTH_CLIENT_ID"] = Guid.NewGuid().ToString("D"), ["WEB_AUTH_AUTHORITY"] = Authority, ["WEB_AUTH_SCOPE"] = "api://provisioner/access_as_user" });

        var headers = GlobalHeaders(Path.Combine(_web, "staticwebapp.config.json"));
        Assert.Equal(["'self'", ApiOrigin, "https://login.microsoftonline.com"], ConnectSources(headers));
        AssertHsts(headers);
        // The rest of the policy is untouched.
        Assert.Contains("script-src 'self';", headers["Content-Security-Policy"], StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none';", headers["Content-Security-Policy"], StringComparison.Ordinal);

        await RunHookAsync([], "--reset");
        Assert.Equal(committed, await File.ReadAllTextAsync(Path.Combine(_web, "staticwebapp.config.json")));
    }

    [Fact]
    public async Task Predeploy_WithoutSignIn_NamesTheApiOnly()
    {
        await RunHookAsync(new() { ["API_BASE_URL"] = $"{ApiOrigin}/api" });

        Assert.Equal(["'self'", ApiOrigin], ConnectSources(GlobalHeaders(Path.Combine(_web, "staticwebapp.config.json"))));
    }

    [Fact]
    public async Task Predeploy_RefusesAnApiThatIsNotAnHttpsOrigin()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(_web, "staticwebapp.config.json"));

        var exitCode = await RunHookAsync(new() { ["API_BASE_URL"] = "http://provisioner-api.example; connect-src *" }, expectSuccess: false);

        Assert.NotEqual(0, exitCode);
        Assert.Equal(committed, await File.ReadAllTextAsync(Path.Combine(_web, "staticwebapp.config.json")));
    }

    private static Dictionary<string, string> GlobalHeaders(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("globalHeaders").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    /// <summary>The connect-src sources; fails on any scheme source or wildcard, which would let the page reach any host.</summary>
    private static string[] ConnectSources(Dictionary<string, string> headers)
    {
        var directive = headers["Content-Security-Policy"].Split(';', StringSplitOptions.TrimEntries).Single(d => d.StartsWith("connect-src ", StringComparison.Ordinal));
        var sources = directive.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        Assert.DoesNotContain(sources, s => s.EndsWith(':') || s.Contains('*'));
        Assert.All(sources.Where(s => s != "'self'"), s => Assert.Matches("^https://[a-z0-9.-]+$", s));
        return sources;
    }

    private static void AssertHsts(Dictionary<string, string> headers)
    {
        Assert.True(headers.TryGetValue("Strict-Transport-Security", out var hsts), "Strict-Transport-Security is sent");
        var maxAge = hsts!.Split(';', StringSplitOptions.TrimEntries).Single(p => p.StartsWith("max-age=", StringComparison.Ordinal));
        Assert.True(long.Parse(maxAge["max-age=".Length..], System.Globalization.CultureInfo.InvariantCulture) >= 31_536_000, "HSTS lasts at least a year");
    }

    private async Task<int> RunHookAsync(Dictionary<string, string> environment, string? argument = null, bool expectSuccess = true)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "infra", "hooks", "write-web-config.sh"));
        if (argument is not null)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["WEB_DIR"] = _web;
        foreach (var name in new[] { "API_BASE_URL", "WEB_AUTH_CLIENT_ID", "WEB_AUTH_AUTHORITY", "WEB_AUTH_SCOPE" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (expectSuccess)
        {
            Assert.True(process.ExitCode == 0, $"write-web-config.sh failed: {await error}");
        }

        return process.ExitCode;
    }
}
