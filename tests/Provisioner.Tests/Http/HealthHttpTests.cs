using System.Net;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>GET /api/health while storage answers (the outage case is in <see cref="StorageOutageTests"/>).</summary>
[Collection(SharedAzurite.Name)]
[Trait("Category", Runner.HostHttpCategory)]
public sealed class HealthHttpTests(Azurite azurite)
{
    [Fact]
    public async Task Health_StorageAnswers_Is200Ok()
    {
        await using var runner = await Runner.StartAsync(azurite);
        var response = await runner.Client.GetAsync(new Uri("/api/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoStore, "a health answer is never cached");
    }
}
