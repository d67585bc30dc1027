using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// The reaper proves itself with its run's GitHub Actions ID token (issue 23, item 6): a token of
/// reap-agents.yml on the pinned ref, started by schedule or workflow_dispatch, lists and reads
/// jobs and nothing else; a token of another workflow, ref, event or repository is a 401.
/// Against the runner with AUTH_MODE=entra (people's issuer) and GITHUB_OIDC_ISSUER (a second test issuer).
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class ReaperTokenHttpTests(Azurite azurite) : IAsyncLifetime
{
    private const string Repository = "octo-org/agents";
    private const string Reaper = "reap-agents.yml";

    private TestIssuer _people = null!;
    private TestIssuer _github = null!;
    private Runner _runner = null!;

    public async Task InitializeAsync()
    {
        _people = await TestIssuer.StartAsync();
        _github = await TestIssuer.StartAsync();
        _runner = await EntraRunner.StartAsync(azurite, _people, new Dictionary<string, string?>
        {
            ["GITHUB_OIDC_ISSUER"] = _github.Issuer,
            ["GITHUB_OWNER"] = "octo-org",
            ["GITHUB_REPO"] = "agents",
            ["GITHUB_REF"] = "main",
            ["GITHUB_REPOSITORY_ID"] = TestIssuer.RepositoryId,
            ["AzureWebJobs.DispatchJob.Disabled"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _github.DisposeAsync();
        await _people.DisposeAsync();
    }

    /// <summary>The audience the workflow asks for by default: PUBLIC_BASE_URL as configured.</summary>
    private string ReaperToken(string workflow = Reaper, string @ref = "refs/heads/main", string eventName = "schedule", string repository = Repository, string? repositoryId = null)
    {
        var claims = TestIssuer.GitHubClaims(repository, workflow, "8080", "1", @ref, eventName);
        if (repositoryId is not null)
        {
            claims["repository_id"] = repositoryId;
        }

        return _github.Mint(_runner.Client.BaseAddress!.AbsoluteUri, claims);
    }

    private async Task<Guid> NewJobAsync()
    {
        var created = await _runner.CreateAsync(_people.PersonToken(EntraRunner.Audience, EntraRunner.Operator));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("job_id").GetGuid();
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await _runner.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Theory]
    [InlineData("schedule")]
    [InlineData("workflow_dispatch")]
    public async Task ReaperToken_ListsAndReadsJobs(string eventName)
    {
        var job = await NewJobAsync();

        var list = await _runner.GetAsync("/api/jobs", ReaperToken(eventName: eventName));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(job.ToString("D"), await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var read = await _runner.GetAsync($"/api/jobs/{job}", ReaperToken(eventName: eventName));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var document = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal(job, document.RootElement.GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task ReaperToken_CannotCreateCancelRetryTearDownOrReadAnythingElse_403_AndChangesNothing()
    {
        var job = await NewJobAsync();
        var agent = await AgentOfAsync(job);
        var before = await _runner.GetAsync($"/api/jobs/{job}", _people.PersonToken(EntraRunner.Audience, EntraRunner.Reader));
        var beforeBody = await before.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await _runner.CreateAsync(ReaperToken())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/cancel", ReaperToken()));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Post, $"/api/jobs/{job}/retry", ReaperToken()));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Delete, $"/api/agents/{agent}/server", ReaperToken()));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Patch, $"/api/agents/{agent}/server", ReaperToken(), "{\"extend_minutes\":60}"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Get, $"/api/agents/{agent}/provisioning", ReaperToken()));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Get, "/api/stats/steps", ReaperToken()));

        var after = await _runner.GetAsync($"/api/jobs/{job}", _people.PersonToken(EntraRunner.Audience, EntraRunner.Reader));
        Assert.Equal(beforeBody, await after.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("provision-agent.yml", "refs/heads/main", "schedule", Repository, null)]
    [InlineData("ci.yml", "refs/heads/main", "workflow_dispatch", Repository, null)]
    [InlineData(Reaper, "refs/heads/feature", "schedule", Repository, null)]
    [InlineData(Reaper, "refs/heads/main", "push", Repository, null)]
    [InlineData(Reaper, "refs/heads/main", "pull_request", Repository, null)]
    [InlineData(Reaper, "refs/heads/main", "schedule", "someone-else/agents", null)]
    [InlineData(Reaper, "refs/heads/main", "schedule", Repository, "999999")]
    public async Task TokenOfAnotherWorkflowRefEventOrRepository_Is401(string workflow, string @ref, string eventName, string repository, string? repositoryId)
    {
        var token = ReaperToken(workflow, @ref, eventName, repository, repositoryId);

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(HttpMethod.Get, "/api/jobs", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(HttpMethod.Get, $"/api/jobs/{Guid.NewGuid()}", token));
    }

    [Fact]
    public async Task ReaperToken_ForAnotherAudience_Is401()
    {
        var token = _github.Mint("https://elsewhere.example/", TestIssuer.GitHubClaims(Repository, Reaper, "8080", "1", "refs/heads/main", "schedule"));

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(HttpMethod.Get, "/api/jobs", token));
    }

    private async Task<string> AgentOfAsync(Guid job)
    {
        var read = await _runner.GetAsync($"/api/jobs/{job}", _people.PersonToken(EntraRunner.Audience, EntraRunner.Reader));
        using var document = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("agent_id").GetString()!;
    }
}
