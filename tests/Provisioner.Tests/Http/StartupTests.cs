using Microsoft.Extensions.Options;
using Provisioner.Functions;
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
    [InlineData("JOB_TIMEOUT_MINUTES", "abc")]
    [InlineData("JOB_TIMEOUT_MINUTES", "0")]
    [InlineData("JOB_TIMEOUT_MINUTES", "-5")]
    [InlineData("DISPATCH_START_MINUTES", "0")]
    [InlineData("DISPATCH_START_MINUTES", "soon")]
    [InlineData("JOB_MAX_MINUTES", "-1")]
    [InlineData("JOB_MAX_MINUTES", "1441")]
    [InlineData("SIMULATOR_STEP_DELAY_MS", "soon")]
    [InlineData("SIMULATOR_STEP_DELAY_MS", "-1")]
    [InlineData("DISPATCH_RETRY_ATTEMPTS", "11")]
    [InlineData("DISPATCH_RETRY_BASE_DELAY_SECONDS", "two")]
    [InlineData("GITHUB_RETURN_RUN_DETAILS", "yes")]
    [InlineData("GITHUB_API_URL", "api.github.com")]
    [InlineData("PUBLIC_BASE_URL", "localhost:7071")]
    [InlineData("RECONCILE_AFTER_MINUTES", "0")]
    [InlineData("GITHUB_DEPROVISION_WORKFLOW", "deprovision agent")]
    [InlineData("RECONCILE_AFTER_MINUTES", "1441")]
    [InlineData("RECONCILE_AFTER_MINUTES", "later")]
    [InlineData("KEEP_FAILED_SERVER_MINUTES", "-1")]
    [InlineData("KEEP_FAILED_SERVER_MINUTES", "1441")]
    [InlineData("KEEP_FAILED_SERVER_MINUTES", "2.5")]
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

    [Theory]
    [InlineData("JOB_TIMEOUT_MINUTES", "0.05")]
    [InlineData("JOB_TIMEOUT_MINUTES", "")]
    [InlineData("DISPATCH_START_MINUTES", "0.25")]
    [InlineData("JOB_MAX_MINUTES", "2.5")]
    [InlineData("DISPATCH_RETRY_ATTEMPTS", "")]
    [InlineData("GITHUB_API_URL", "")]
    [InlineData("GITHUB_WORKFLOW", " ")]
    [InlineData("SIMULATOR_STEP_DELAY_MS", "0")]
    [InlineData("GITHUB_API_URL", "https://ghe.example.com/api/v3")]
    [InlineData("PUBLIC_BASE_URL", "https://provisioner.example.org/app")]
    [InlineData("RECONCILE_AFTER_MINUTES", "0.25")]
    [InlineData("KEEP_FAILED_SERVER_MINUTES", "0")]
    public async Task Start_WithAnUnusualButValidSetting_Starts(string setting, string value)
    {
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { [setting] = value });
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await runner.GetJobAsync(Guid.NewGuid())).Response.StatusCode);
    }

    [Fact]
    public void EveryOptionsClass_LivesInConfiguration_IsBound_AndEveryValidatorIsRegistered()
    {
        var assembly = typeof(Provisioner.Functions.ProvisionerServiceCollectionExtensions).Assembly;
        var optionsTypes = assembly.GetTypes()
            .Where(t => t.GetProperties().Any(p => p.GetCustomAttributes(typeof(Microsoft.Extensions.Configuration.ConfigurationKeyNameAttribute), false).Length > 0))
            .ToList();
        var validators = assembly.GetTypes()
            .SelectMany(t => t.GetInterfaces()
                .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
                .Select(i => (Validator: t, Service: i)))
            .ToList();
        Assert.NotEmpty(optionsTypes);
        Assert.NotEmpty(validators);
        Assert.All(optionsTypes, t => Assert.Equal("Provisioner.Functions.Configuration", t.Namespace));
        Assert.All(validators, v => Assert.Equal("Provisioner.Functions.Configuration", v.Validator.Namespace));

        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(HostSettings.Sample).Build();
        var services = new ServiceCollection();
        services.AddProvisioner(configuration);
        foreach (var type in optionsTypes)
        {
            var configure = typeof(IConfigureOptions<>).MakeGenericType(type);
            Assert.True(services.Count(d => d.ServiceType == configure) == 1, $"{type.Name} is bound once");
        }

        foreach (var (validator, service) in validators)
        {
            Assert.True(services.Any(d => d.ServiceType == service && d.ImplementationType == validator), $"{validator.Name} is registered");
        }
    }
}
