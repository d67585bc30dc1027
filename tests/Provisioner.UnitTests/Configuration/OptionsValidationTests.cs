using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Provisioner.Functions.GitHub;
using Provisioner.Functions;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Simulator;

namespace Provisioner.Tests.Configuration;

/// <summary>
/// The settings as the app binds and validates them (AddProvisionerSettings), without a host:
/// each bad value is refused by its own options class, naming the setting, and the same settings
/// with a good value pass. Pure: no storage, no child process.
/// </summary>
public sealed class OptionsValidationTests
{
    /// <summary>What a run needs and the sample has: every options class validates with these.</summary>
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["GITHUB_CALLBACK_SECRET"] = "whsec_crmTdGYy7repe31N0AGK/xQiOwPqlFh/cUc71Ar2cXY=",
        ["PUBLIC_BASE_URL"] = "http://localhost:7071/",
        ["AGENT_KEY_SECRET"] = "whsec_ofrh3AqrPVAJ/FJJj/Kt2qJ0+uUyGfEi4gtmEP1FX/8=",
        ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
    };

    private static readonly Type[] Validated =
    [
        typeof(StorageOptions), typeof(QueueHostOverrides), typeof(CallbackSecurityOptions), typeof(AuthOptions),
        typeof(GitHubOptions), typeof(DispatchOptions), typeof(TimeoutOptions), typeof(KeepServerOptions),
        typeof(ReconcileOptions), typeof(NotifyOptions), typeof(AgentHealthOptions), typeof(TelemetryOptions),
        typeof(SimulatorOptions), typeof(HostEnvironmentOptions),
    ];

    [Fact]
    public void TheValidSettings_PassEveryOptionsClass()
    {
        using var provider = Provider(Valid);
        Assert.All(Validated, type => Assert.Empty(Failures(provider, type)));
    }

    [Theory]
    [InlineData("SIMULATOR_FAIL_AT", "somewhere", typeof(SimulatorOptions))]
    [InlineData("SIMULATOR_HEALTH", "sick", typeof(SimulatorOptions))]
    [InlineData("SIMULATOR_STEP_DELAY_MS", "-1", typeof(SimulatorOptions))]
    [InlineData("DISPATCH_RETRY_ATTEMPTS", "many", typeof(DispatchOptions))]
    [InlineData("DISPATCH_RETRY_ATTEMPTS", "11", typeof(DispatchOptions))]
    [InlineData("DISPATCH_RETRY_BASE_DELAY_SECONDS", "301", typeof(DispatchOptions))]
    [InlineData("PUBLIC_BASE_URL", "localhost:7071", typeof(DispatchOptions))]
    [InlineData("CALLBACK_ALLOW_LEGACY_SIGNATURE", "maybe", typeof(CallbackSecurityOptions))]
    [InlineData("GITHUB_CALLBACK_SECRET", "whsec_!!!", typeof(CallbackSecurityOptions))]
    [InlineData("GITHUB_CALLBACK_SECRET_PREVIOUS", "@Microsoft.KeyVault(SecretUri=https://kv/secrets/x)", typeof(CallbackSecurityOptions))]
    [InlineData("CALLBACK_AUTH", "sometimes", typeof(CallbackSecurityOptions))]
    [InlineData("GITHUB_RETURN_RUN_DETAILS", "yes", typeof(GitHubOptions))]
    [InlineData("GITHUB_API_URL", "api.github.com", typeof(GitHubOptions))]
    [InlineData("GITHUB_DEPROVISION_WORKFLOW", "deprovision agent", typeof(GitHubOptions))]
    [InlineData("JOB_TIMEOUT_MINUTES", "abc", typeof(TimeoutOptions))]
    [InlineData("JOB_TIMEOUT_MINUTES", "0", typeof(TimeoutOptions))]
    [InlineData("JOB_MAX_MINUTES", "1441", typeof(TimeoutOptions))]
    [InlineData("DISPATCH_START_MINUTES", "-5", typeof(TimeoutOptions))]
    [InlineData("CANCEL_CONFIRM_MINUTES", "0", typeof(TimeoutOptions))]
    [InlineData("KEEP_FAILED_SERVER_MINUTES", "2.5", typeof(KeepServerOptions))]
    [InlineData("KEEP_FAILED_SERVER_MINUTES", "1441", typeof(KeepServerOptions))]
    [InlineData("RECONCILE_AFTER_MINUTES", "0", typeof(ReconcileOptions))]
    [InlineData("NOTIFY_URL", "https://hooks.example.com/p", typeof(NotifyOptions))]
    [InlineData("NOTIFY_MAX_ATTEMPTS", "0", typeof(NotifyOptions))]
    [InlineData("NOTIFY_RETRY_MAX_SECONDS", "600000", typeof(NotifyOptions))]
    [InlineData("AGENT_KEY_SECRET", "whsec_AAAAAAAA", typeof(AgentHealthOptions))]
    [InlineData("HEALTH_SILENCE_MINUTES", "0", typeof(AgentHealthOptions))]
    [InlineData("AUTH_MODE", "entra", typeof(AuthOptions))]
    [InlineData("AUTH_MODE", "open", typeof(AuthOptions))]
    public void ABadValue_IsRefusedByItsOwnOptionsClass_NamingTheSetting(string setting, string value, Type options)
    {
        using var provider = Provider(new(Valid) { [setting] = value });
        var failures = Failures(provider, options);
        Assert.NotEmpty(failures);
        Assert.Contains(setting, string.Join(" ", failures), StringComparison.Ordinal);

        // Only that class: the others still pass, so a start-up names this setting alone.
        Assert.All(Validated.Where(t => t != options), type => Assert.Empty(Failures(provider, type)));
    }

    /// <summary>A configuration fit for the internet: sign-in, secrets of 32 random bytes, a GitHub token.</summary>
    private static Dictionary<string, string?> Production() => new(Valid)
    {
        ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
        ["AUTH_MODE"] = "entra",
        ["AUTH_AUTHORITY"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0",
        ["AUTH_AUDIENCE"] = "api-client-id",
        ["GITHUB_CALLBACK_SECRET"] = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["AGENT_KEY_SECRET"] = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["GITHUB_TOKEN"] = "ghp_example",
        ["GITHUB_OWNER"] = "octo-org",
        ["GITHUB_REPO"] = "agents",
    };

    [Theory]
    [InlineData("AZURE_FUNCTIONS_ENVIRONMENT", "Production")]
    [InlineData("AZURE_FUNCTIONS_ENVIRONMENT", "")]
    [InlineData("WEBSITE_SITE_NAME", "provisioner-prod")]
    [InlineData("WEBSITE_INSTANCE_ID", "0123abcd")]
    public void OutsideDevelopment_TheSampleStopsStartUp_NamingEachUnsafeSetting(string setting, string value)
    {
        // Azure is never development, whatever AZURE_FUNCTIONS_ENVIRONMENT says.
        using var provider = Provider(new(Valid) { [setting] = value });
        var failures = string.Join(" ", Failures(provider, typeof(HostEnvironmentOptions)));

        Assert.Contains("AUTH_MODE is not entra", failures, StringComparison.Ordinal);
        Assert.Contains("GITHUB_CALLBACK_SECRET is the value committed in local.settings.sample.json", failures, StringComparison.Ordinal);
        Assert.Contains("AGENT_KEY_SECRET is the value committed", failures, StringComparison.Ordinal);
        Assert.Contains("GITHUB_TOKEN is not set", failures, StringComparison.Ordinal);
        Assert.Contains(setting.StartsWith("WEBSITE", StringComparison.Ordinal) ? "WEBSITE_SITE_NAME" : "AZURE_FUNCTIONS_ENVIRONMENT", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void OutsideDevelopment_ASafeConfiguration_PassesEveryOptionsClass()
    {
        using var provider = Provider(Production());
        Assert.All(Validated.Where(t => t != typeof(SimulatorOptions)), type => Assert.Empty(Failures(provider, type)));

        // The simulator asked for by name stands in for the token.
        using var simulated = Provider(new(Production()) { ["GITHUB_TOKEN"] = "", ["WORKFLOW_MODE"] = "simulated" });
        Assert.Empty(Failures(simulated, typeof(HostEnvironmentOptions)));
        Assert.Empty(Failures(simulated, typeof(GitHubOptions)));
    }

    [Theory]
    [InlineData("GITHUB_CALLBACK_SECRET", 16)]
    [InlineData("GITHUB_CALLBACK_SECRET_PREVIOUS", 31)]
    [InlineData("AGENT_KEY_SECRET", 24)]
    public void OutsideDevelopment_AShortSecret_StopsStartUpNamingIt(string setting, int bytes)
    {
        using var provider = Provider(new(Production()) { [setting] = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes)) });
        var failures = string.Join(" ", Failures(provider, typeof(HostEnvironmentOptions)));
        Assert.Contains($"{setting} has {bytes} bytes of key, fewer than 32", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkflowMode_OtherThanSimulated_OrWithAToken_IsRefused()
    {
        using var unknown = Provider(new(Valid) { ["WORKFLOW_MODE"] = "fake" });
        Assert.Contains("WORKFLOW_MODE must be simulated", string.Join(" ", Failures(unknown, typeof(GitHubOptions))), StringComparison.Ordinal);
        using var both = Provider(new(Production()) { ["WORKFLOW_MODE"] = "simulated" });
        Assert.Contains("remove one of them", string.Join(" ", Failures(both, typeof(GitHubOptions))), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSampleSecrets_AreTheOnesRefusedOutsideDevelopment()
    {
        using var sample = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        Assert.Equal("Development", values.GetProperty("AZURE_FUNCTIONS_ENVIRONMENT").GetString());
        foreach (var name in new[] { "GITHUB_CALLBACK_SECRET", "AGENT_KEY_SECRET" })
        {
            Assert.Contains(values.GetProperty(name).GetString()!, HostEnvironmentOptionsValidator.SampleSecrets);
        }
    }

    [Fact]
    public void AGitHubToken_WithoutItsRepository_IsRefusedNamingOwnerAndRepo()
    {
        using var provider = Provider(new(Valid) { ["GITHUB_TOKEN"] = "ghp_example" });
        var failures = string.Join(" ", Failures(provider, typeof(GitHubOptions)));
        Assert.Contains("GITHUB_OWNER is not set", failures, StringComparison.Ordinal);
        Assert.Contains("GITHUB_REPO is not set", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkflowTokens_NeedTheRepositoryAndAudience_WhichOtherClassesBind_AndAreReportedOnce()
    {
        var settings = new Dictionary<string, string?>(Valid) { ["CALLBACK_AUTH"] = "oidc", ["GITHUB_CALLBACK_SECRET"] = null, ["PUBLIC_BASE_URL"] = null };
        using (var provider = Provider(settings))
        {
            var failures = string.Join(" ", Failures(provider, typeof(CallbackSecurityOptions)));
            Assert.Contains("GITHUB_OWNER and GITHUB_REPO must be set with CALLBACK_AUTH=oidc", failures, StringComparison.Ordinal);
            Assert.Contains("GITHUB_OIDC_AUDIENCE is not set and neither is PUBLIC_BASE_URL", failures, StringComparison.Ordinal);
            Assert.DoesNotContain("GITHUB_CALLBACK_SECRET", failures, StringComparison.Ordinal);

            // The missing address is also DispatchOptions' own failure, which it reports itself.
            Assert.Contains("PUBLIC_BASE_URL", string.Join(" ", Failures(provider, typeof(DispatchOptions))), StringComparison.Ordinal);
        }

        settings["GITHUB_OWNER"] = "octo-org";
        settings["GITHUB_REPO"] = "agents";
        settings["PUBLIC_BASE_URL"] = "https://provisioner.example.org";
        using (var provider = Provider(settings))
        {
            Assert.Empty(Failures(provider, typeof(CallbackSecurityOptions)));

            // The audience is the address exactly as configured, without the '/' a Uri would add.
            var callbacks = provider.GetRequiredService<IOptions<CallbackSecurityOptions>>().Value;
            Assert.Equal("https://provisioner.example.org", callbacks.EffectiveAudience(provider.GetRequiredService<IOptions<DispatchOptions>>().Value));
        }
    }

    [Fact]
    public void AnEmptyValue_MeansTheDefault()
    {
        using var provider = Provider(new(Valid) { ["JOB_TIMEOUT_MINUTES"] = "", ["GITHUB_API_URL"] = " ", ["CALLBACK_AUTH"] = "" });
        Assert.Equal(15, provider.GetRequiredService<IOptions<TimeoutOptions>>().Value.SilenceMinutes);
        Assert.Equal(new Uri("https://api.github.com/"), provider.GetRequiredService<IOptions<GitHubOptions>>().Value.ApiUrl);
        Assert.Equal(CallbackAuthMode.Hmac, provider.GetRequiredService<IOptions<CallbackSecurityOptions>>().Value.Mode);
    }

    [Fact]
    public void SectionSettings_BindFromTheirEnvironmentSpelling()
    {
        // AzureWebJobsStorage__accountName in an environment variable is AzureWebJobsStorage:accountName in configuration.
        using var provider = Provider(new(Valid) { ["AzureWebJobsStorage"] = null, ["AzureWebJobsStorage:accountName"] = "stexample", ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2" });
        var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
        Assert.Null(storage.ConnectionString);
        Assert.Equal("https://stexample.table.core.windows.net", storage.TableEndpoint);
        Assert.Equal("2", provider.GetRequiredService<IOptions<QueueHostOverrides>>().Value.MaxDequeueCount);

        using var withConnectionString = Provider(Valid);
        Assert.Equal("UseDevelopmentStorage=true", withConnectionString.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString);
    }

    [Theory]
    [InlineData("ghp_example", typeof(GitHubWorkflowDispatcher))]
    [InlineData("", typeof(SimulatedWorkflow))]
    public void TheDispatcher_IsChosenFromTheBoundToken(string token, Type expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(Valid) { ["GITHUB_TOKEN"] = token, ["GITHUB_OWNER"] = "o", ["GITHUB_REPO"] = "r" }).Build();
        var services = new ServiceCollection();
        services.AddProvisioner(configuration);
        var dispatcher = Assert.Single(services, d => d.ServiceType == typeof(IWorkflowDispatcher));
        Assert.True(dispatcher.ImplementationType == expected || (dispatcher.ImplementationFactory is not null && expected == typeof(SimulatedWorkflow)), $"{token}: {dispatcher}");
        Assert.Equal(expected == typeof(SimulatedWorkflow), services.Any(d => d.ServiceType == typeof(IValidateOptions<SimulatorOptions>)));
    }

    [Fact]
    public void Read_GivesTheBoundValues_OrTheDefaultsWhenTheyCannotBeBound()
    {
        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["GITHUB_TOKEN"] = "ghp_example", ["GITHUB_REF"] = "release" }).Build();
        Assert.Equal("release", SettingsBinding.Read<GitHubOptions>(good).Ref);
        Assert.True(SettingsBinding.Read<GitHubOptions>(good).UsesGitHub);

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["GITHUB_TOKEN"] = "ghp_example", ["GITHUB_RETURN_RUN_DETAILS"] = "yes" }).Build();
        Assert.False(SettingsBinding.Read<GitHubOptions>(bad).UsesGitHub);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddProvisionerSettings(configuration).BuildServiceProvider();
    }

    /// <summary>The failures resolving <paramref name="type"/>'s options reports (binding or validation); empty when it is valid.</summary>
    private static IReadOnlyList<string> Failures(IServiceProvider provider, Type type)
    {
        var options = provider.GetRequiredService(typeof(IOptions<>).MakeGenericType(type));
        try
        {
            _ = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options);
            return [];
        }
        catch (TargetInvocationException e) when (e.InnerException is OptionsValidationException failed)
        {
            return [.. failed.Failures];
        }
    }
}
