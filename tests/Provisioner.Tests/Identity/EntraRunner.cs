using System.Net.Http.Headers;
using System.Net.Http.Json;
using Provisioner.Functions.Identity;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>The runner with <c>AUTH_MODE=entra</c> trusting a <see cref="TestIssuer"/>, and requests that carry a bearer token.</summary>
internal static class EntraRunner
{
    public const string Audience = "api://provisioner-tests";

    public static readonly string[] Operator = [AppRoles.Operator];
    public static readonly string[] Reader = [AppRoles.Reader];

    public static Dictionary<string, string?> Settings(TestIssuer issuer) => new()
    {
        ["AUTH_MODE"] = "entra",
        ["AUTH_AUTHORITY"] = issuer.Issuer,
        ["AUTH_AUDIENCE"] = Audience,
    };

    public static Task<Runner> StartAsync(Azurite azurite, TestIssuer issuer, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = Settings(issuer);
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return Runner.StartAsync(azurite, settings);
    }

    public static async Task<HttpResponseMessage> CreateAsync(this Runner runner, string? token, string? agentId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs")
        {
            Content = JsonContent.Create(new { agent_id = agentId ?? Runner.NewAgentId(), region = "eu-central" }),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await runner.Client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> GetAsync(this Runner runner, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await runner.Client.SendAsync(request);
    }
}
