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
    };

    private static readonly Type[] Validated =
    [
        typeof(StorageOptions), typeof(QueueHostOverrides), typeof(CallbackSecurityOptions), typeof(AuthOptions),
        typeof(GitHubOptions), typeof(DispatchOptions), typeof(TimeoutOptions), typeof(KeepServerOptions),
        typeof(ReconcileOptions), typeof(NotifyOptions), typeof(AgentHealthOptions), typeof(TelemetryOptions),
        typeof(SimulatorOptions),
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
