using System.Net;
using Provisioner.Tests.Http;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>The answers sign-in adds (401, 403, <c>created_by</c>) match docs/openapi.yaml.</summary>
[Collection(SharedAzurite.Name)]
public sealed class IdentityConformanceTests(Azurite azurite)
{
    [Fact]
    public async Task SignInAnswers_MatchTheDocument()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var runner = await EntraRunner.StartAsync(azurite, issuer);
        var operatorToken = issuer.PersonToken(EntraRunner.Audience, EntraRunner.Operator, name: null);
        var readerToken = issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader);

        async Task<HttpResponseMessage> CheckAsync(Task<HttpResponseMessage> send, HttpMethod method, string template, HttpStatusCode expected)
        {
            var response = await send;
            await response.Content.LoadIntoBufferAsync();
            Assert.Equal(expected, response.StatusCode);
            await OpenApiConformanceTests.AssertDocumentedAsync(method, template, response);
            return response;
        }

        var agent = Runner.NewAgentId();
        var created = await CheckAsync(runner.CreateAsync(operatorToken, agent), HttpMethod.Post, "/api/jobs", HttpStatusCode.Accepted);
        var job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
        await CheckAsync(runner.CreateAsync(null), HttpMethod.Post, "/api/jobs", HttpStatusCode.Unauthorized);
        await CheckAsync(runner.CreateAsync("garbage"), HttpMethod.Post, "/api/jobs", HttpStatusCode.Unauthorized);
        await CheckAsync(runner.CreateAsync(readerToken), HttpMethod.Post, "/api/jobs", HttpStatusCode.Forbidden);
        await CheckAsync(runner.GetAsync($"/api/jobs/{job}", readerToken), HttpMethod.Get, "/api/jobs/{jobId}", HttpStatusCode.OK);
        await CheckAsync(runner.GetAsync($"/api/jobs/{job}", null), HttpMethod.Get, "/api/jobs/{jobId}", HttpStatusCode.Unauthorized);
        await CheckAsync(runner.GetAsync($"/api/jobs/{job}", issuer.PersonToken(EntraRunner.Audience, [])), HttpMethod.Get, "/api/jobs/{jobId}", HttpStatusCode.Forbidden);
        await CheckAsync(runner.GetAsync($"/api/agents/{agent}/provisioning", readerToken), HttpMethod.Get, "/api/agents/{agentId}/provisioning", HttpStatusCode.OK);
        await CheckAsync(runner.GetAsync($"/api/agents/{agent}/provisioning", null), HttpMethod.Get, "/api/agents/{agentId}/provisioning", HttpStatusCode.Unauthorized);
    }
}
