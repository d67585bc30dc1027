using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Provisioner.Functions.Configuration;

internal static class SettingsServiceCollectionExtensions
{
    /// <summary>
    /// Every options class of the app, each bound once from its settings and validated at start
    /// (docs/configuration.md). The simulated workflow's settings only count when it plays the
    /// runs, that is when no <c>GITHUB_TOKEN</c> is set.
    /// </summary>
    public static IServiceCollection AddProvisionerSettings(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSettings<StorageOptions>(configuration);
        services.AddSettings<QueueHostOverrides>(configuration);
        services.AddSettings<CallbackSecurityOptions, CallbackSecurityOptionsValidator>(configuration);
        services.AddSettings<AuthOptions, AuthOptionsValidator>(configuration);
        services.AddSettings<GitHubOptions, GitHubOptionsValidator>(configuration);
        services.AddSettings<DispatchOptions, DispatchOptionsValidator>(configuration);
        services.AddSettings<TimeoutOptions, TimeoutOptionsValidator>(configuration);
        services.AddSettings<KeepServerOptions, KeepServerOptionsValidator>(configuration);
        services.AddSettings<LifetimeOptions, LifetimeOptionsValidator>(configuration);
        services.AddSettings<QuotaOptions, QuotaOptionsValidator>(configuration);
        services.AddSettings<AuditOptions, AuditOptionsValidator>(configuration);
        services.AddSettings<ReconcileOptions, ReconcileOptionsValidator>(configuration);
        services.AddSettings<NotifyOptions, NotifyOptionsValidator>(configuration);
        services.AddSettings<AgentHealthOptions, AgentHealthOptionsValidator>(configuration);
        services.AddSettings<TelemetryOptions>(configuration);
        services.AddSettings<EventStreamOptions, EventStreamOptionsValidator>(configuration);
        services.AddSettings<HostEnvironmentOptions, HostEnvironmentOptionsValidator>(configuration);
        if (!SettingsBinding.Read<GitHubOptions>(configuration).UsesGitHub)
        {
            services.AddSettings<SimulatorOptions, SimulatorOptionsValidator>(configuration);
        }

        return services;
    }
}
