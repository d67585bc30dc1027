using System.Net;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Health;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// The anonymous <c>/api/health</c> says <c>ok</c> or <c>unavailable</c> and nothing more; what is
/// wrong is for a caller who may read. The probe's outcome is kept a few seconds. Own Azurite,
/// stopped on purpose; fake time, so the probe's cache is seen without waiting.
/// </summary>
public sealed class HealthDetailsHttpTests
{
    [Fact]
    public async Task Health_WhileStorageIsDown_TellsAnonymousCallersOnlyUnavailable_AndAReaderWhy()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var azurite = new Azurite();
        await azurite.InitializeAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = EntraRunner.Settings(issuer);
        await using var runner = await Runner.StartAsync(azurite, settings, time);
        Assert.Equal(HttpStatusCode.OK, (await runner.Client.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode);
        await azurite.StopAsync();

        // Within the probe's cache time the last outcome answers: storage is not read again.
        Assert.Equal(HttpStatusCode.OK, (await runner.Client.GetAsync(new Uri("/api/health", UriKind.Relative))).StatusCode);
        time.Advance(HealthHandler.ProbeCacheTime + TimeSpan.FromSeconds(1));

        var anonymous = await runner.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, anonymous.StatusCode);
        var detail = (await Runner.ReadJsonAsync(anonymous)).GetProperty("detail").GetString();
        Assert.StartsWith("unavailable", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("storage", detail, StringComparison.OrdinalIgnoreCase);

        var reader = await runner.GetAsync("/api/health", issuer.PersonToken(EntraRunner.Audience, EntraRunner.Reader));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, reader.StatusCode);
        Assert.Contains("storage", (await Runner.ReadJsonAsync(reader)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
