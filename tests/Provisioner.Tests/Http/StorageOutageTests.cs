using System.Net;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>With storage gone, callers get 503 and Retry-After, never a 500 with internals.</summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task Requests_WhileStorageIsDown_Are503WithRetryAfter()
    {
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        await using var runner = await Runner.StartAsync(azurite);
        var job = await runner.NewJobAsync();
        await azurite.StopAsync();

        var responses = new[]
        {
            (await runner.GetJobAsync(job)).Response,
            await runner.Client.GetAsync(new Uri("/api/agents/someone/provisioning", UriKind.Relative)),
            await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"type\":\"heartbeat\"}}"),
            (await runner.CreateJobAsync(Runner.NewAgentId())).Response,
        };

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
            var detail = (await Runner.ReadJsonAsync(response)).GetProperty("detail").GetString();
            Assert.DoesNotContain("Exception", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Health_WhileStorageIsDown_Is503NamingItWithoutSecrets_AndRecovers()
    {
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        await using var runner = await Runner.StartAsync(azurite);
        await azurite.StopAsync();

        var response = await runner.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        var body = await response.Content.ReadAsStringAsync();
        var detail = (await Runner.ReadJsonAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("storage", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(azurite.ConnectionString, body, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("devstoreaccount1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);

        // Asked again, not remembered: once storage is back, so is the app.
        await azurite.StartAsync();
        await Eventually.WaitAsync(
            async () => (await runner.Client.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode,
            status => status == HttpStatusCode.OK,
            what: "healthy again after storage came back");
    }
}
