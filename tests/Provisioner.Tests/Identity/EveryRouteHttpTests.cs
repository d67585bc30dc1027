using System.Net;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Health;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// Every HTTP function of the app, found by reflection over its <c>[HttpTrigger]</c> methods, is
/// served and refuses a call without a token under <c>AUTH_MODE=entra</c>, except the few that
/// are open on purpose. A new function that forgets to state its access fails here.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class EveryRouteHttpTests(Azurite azurite)
{
    /// <summary>The functions open without a person's token: health, the webhook (the workflow proves itself there), and agents' health reports (the agent proves itself with its key).</summary>
    private static readonly HashSet<string> Open = ["Health", "ReceiveCallback", "ReportAgentHealth"];

    public static IEnumerable<(string Name, string[] Methods, string Route)> HttpFunctions() =>
        typeof(HealthFunction).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Function is not null && x.Trigger is not null)
            .Select(x => (x.Function!.Name, x.Trigger!.Methods!.Select(v => v.ToLowerInvariant()).ToArray(), x.Trigger.Route!));

    /// <summary>The access middleware reads each function's [Access]; one without it would be answered 500, so every HTTP function states one, and Open exactly where it is meant.</summary>
    [Fact]
    public void EveryHttpFunction_StatesItsAccess_OpenOnlyForTheOpenOnes()
    {
        var declared = typeof(HealthFunction).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null && m.GetParameters().Any(p => p.GetCustomAttribute<HttpTriggerAttribute>() is not null))
            .Select(m => (Name: m.GetCustomAttribute<FunctionAttribute>()!.Name, Access: m.GetCustomAttribute<Provisioner.Functions.Identity.AccessAttribute>()?.Level))
            .ToList();
        Assert.True(declared.Count >= 5, "the reflection found the app's HTTP functions");
        Assert.All(declared, d => Assert.True(d.Access is not null, $"{d.Name} states no [Access]"));
        Assert.Equal(Open.Order(), declared.Where(d => d.Access == Provisioner.Functions.Identity.Access.Open).Select(d => d.Name).Order());
    }

    [Fact]
    public async Task EveryHttpFunction_WithoutAToken_IsRefusedUnlessOpenOnPurpose()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var runner = await EntraRunner.StartAsync(azurite, issuer);
        var functions = HttpFunctions().ToList();
        Assert.True(functions.Count >= 5, "the reflection found the app's HTTP functions");
        var served = runner.Endpoints();

        foreach (var (name, methods, route) in functions)
        {
            Assert.Contains(served, e => e.Name == name);
            var path = "/api/" + System.Text.RegularExpressions.Regex.Replace(route, @"\{[^}]+\}", "00000000-0000-4000-8000-000000000001");
            foreach (var method in methods)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path)
                {
                    Content = method == "get" ? null : new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
                };
                var response = await runner.Client.SendAsync(request);
                if (Open.Contains(name))
                {
                    Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
                    // The agent health route asks for the agent's own key, in a realm of its own; none asks for a person's token.
                    var challenge = response.Headers.WwwAuthenticate.ToString();
                    Assert.True(challenge.Length == 0 || challenge.Contains("realm=\"provisioner-agent-health\"", StringComparison.Ordinal), $"{name} is open on purpose and does not ask for a person's token (it answered {challenge})");
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method.ToUpperInvariant()} {path} ({name}) answered {(int)response.StatusCode} without a token; it must name its access to the guard");
                    Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
                }
            }
        }
    }

    [Fact]
    public async Task Start_AuthDisabledInAzure_StopsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Runner.StartAsync(azurite, new Dictionary<string, string?> { ["AUTH_MODE"] = "disabled", ["WEBSITE_SITE_NAME"] = "provisioner-prod" }));
        Assert.Contains("AUTH_MODE", error.Message, StringComparison.Ordinal);
        Assert.Contains("WEBSITE_SITE_NAME", error.Message, StringComparison.Ordinal);

        // Azure is never development: the sample's secrets and the implicit simulator stop it too.
        Assert.Contains("GITHUB_TOKEN is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("GITHUB_CALLBACK_SECRET is the value committed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OutsideDevelopmentWithTheSample_StopsNamingWhatIsMissing()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Runner.StartAsync(azurite, new Dictionary<string, string?> { ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production" }));
        Assert.Contains("AUTH_MODE is not entra", error.Message, StringComparison.Ordinal);
        Assert.Contains("GITHUB_TOKEN is not set", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AUTH_AUTHORITY", "")]
    [InlineData("AUTH_AUTHORITY", "http://login.example.com/tenant/v2.0")]
    [InlineData("AUTH_AUDIENCE", "")]
    [InlineData("AUTH_MODE", "sometimes")]
    public async Task Start_EntraHalfConfigured_StopsNamingTheSetting(string setting, string value)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AUTH_MODE"] = "entra",
            ["AUTH_AUTHORITY"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            ["AUTH_AUDIENCE"] = "api://provisioner",
            [setting] = value,
        };
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Runner.StartAsync(azurite, settings));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AuthDisabled_WarnsAndLetsCallsThrough()
    {
        await using var runner = await Runner.StartAsync(azurite);
        Assert.Contains(runner.Logs.Lines, l => l.Contains("AUTH_MODE=disabled", StringComparison.Ordinal));
        var (response, body) = await runner.CreateJobAsync(Runner.NewAgentId());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("created_by").ValueKind);
    }
}
