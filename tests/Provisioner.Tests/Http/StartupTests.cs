using Microsoft.Extensions.Options;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

[Collection(SharedAzurite.Name)]
public sealed class StartupTests(Azurite azurite)
{
    [Fact]
    public async Task Start_WithoutCallbackSecret_StopsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Runner.StartAsync(azurite, new Dictionary<string, string?> { ["GITHUB_CALLBACK_SECRET"] = "" }));
        Assert.Contains("GITHUB_CALLBACK_SECRET", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GITHUB_OWNER")]
    [InlineData("GITHUB_REPO")]
    public async Task Start_WithTokenButNoRepository_StopsNamingTheSetting(string missing)
    {
        var settings = new Dictionary<string, string?> { ["GITHUB_TOKEN"] = "ghp_x", ["GITHUB_OWNER"] = "octo", ["GITHUB_REPO"] = "infra" };
        settings[missing] = "";
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Runner.StartAsync(azurite, settings));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SIMULATOR_FAIL_AT", "somewhere")]
    [InlineData("DISPATCH_RETRY_ATTEMPTS", "many")]
    [InlineData("CALLBACK_ALLOW_LEGACY_SIGNATURE", "maybe")]
    public async Task Start_WithAMalformedSetting_StopsNamingIt(string setting, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Runner.StartAsync(azurite, new Dictionary<string, string?> { [setting] = value }));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_LegacySwitchedOff_RefusesXSignature()
    {
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["CALLBACK_ALLOW_LEGACY_SIGNATURE"] = "false" });
        var job = await runner.NewJobAsync();
        var body = $"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"1\"}}";
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await runner.SendLegacyAsync(body)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await runner.SendStandardAsync(body)).StatusCode);
    }

    [Fact]
    public async Task Webhook_RotatedSecret_AcceptsPreviousAndCurrent()
    {
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["GITHUB_CALLBACK_SECRET"] = "brand-new-secret",
            ["GITHUB_CALLBACK_SECRET_PREVIOUS"] = Runner.Secret,
        });
        var job = await runner.NewJobAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"type\":\"heartbeat\"}}")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\"}}", secret: "brand-new-secret")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\"}}", secret: "neither")).StatusCode);
    }
}
