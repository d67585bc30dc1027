using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Stress;

/// <summary>Bearer tokens, people's and the workflow's, valid or refused, never reach the logs, nor does any part of one (its signature).</summary>
[Collection(SharedAzurite.Name)]
public sealed class TokenSecrecyTests(Azurite azurite)
{
    [Fact]
    public async Task Logs_NeverContainABearerToken()
    {
        await using var people = await TestIssuer.StartAsync();
        await using var github = await TestIssuer.StartAsync();
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AUTH_MODE"] = "entra",
            ["AUTH_AUTHORITY"] = people.Issuer,
            ["AUTH_AUDIENCE"] = "api://secrecy",
            ["CALLBACK_AUTH"] = "oidc",
            ["GITHUB_OIDC_ISSUER"] = github.Issuer,
            ["GITHUB_OWNER"] = "o",
            ["GITHUB_REPO"] = "r",
        });
        var audience = runner.Client.BaseAddress!.AbsoluteUri;
        var sent = new List<string>();

        async Task<HttpResponseMessage> CreateAsync(string token)
        {
            sent.Add(token);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(new { agent_id = Runner.NewAgentId(), region = "eu-central" }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await runner.Client.SendAsync(request);
        }

        var created = await CreateAsync(people.PersonToken("api://secrecy", ["Provisioner.Operator"]));
        var job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
        await CreateAsync(people.PersonToken("api://secrecy", ["Provisioner.Reader"]));
        await CreateAsync(people.PersonToken("api://other", ["Provisioner.Operator"]));
        await CreateAsync(people.PersonToken("api://secrecy", ["Provisioner.Operator"], expiresIn: TimeSpan.FromMinutes(-3)));
        await CreateAsync(people.ForgedToken("api://secrecy", new Dictionary<string, object> { ["roles"] = "Provisioner.Operator" }));

        foreach (var token in new[]
        {
            github.ActionsToken(audience, "o/r", "provision-agent.yml", "11"),
            github.ActionsToken(audience, "o/r", "provision-agent.yml", "12"),
            github.ActionsToken(audience, "x/y", "provision-agent.yml", "11"),
            github.ActionsToken(audience, "o/r", "provision-agent.yml", "11", expiresIn: TimeSpan.FromMinutes(-3)),
        })
        {
            sent.Add(token);
            await runner.SendRawAsync(Encoding.UTF8.GetBytes($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\"}}"), ("Authorization", "Bearer " + token));
        }

        var lines = runner.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("refused", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            foreach (var token in sent)
            {
                Assert.DoesNotContain(token, line, StringComparison.Ordinal);
                Assert.DoesNotContain(token.Split('.')[2], line, StringComparison.Ordinal);
            }
        }
    }
}
