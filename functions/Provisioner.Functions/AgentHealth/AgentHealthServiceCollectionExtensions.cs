using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.AgentHealth;

internal static class AgentHealthServiceCollectionExtensions
{
    /// <summary>Agent keys, health reports, the health sweeper; <see cref="IAgentHealthEvents"/> defaults to nothing (replace it to notify).</summary>
    public static IServiceCollection AddAgentHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<AgentKeyRing>();
        services.AddSingleton<AgentHealthStore>();
        services.AddSingleton<AgentHealthReader>();
        services.AddSingleton<ClaimAnswer>();
        services.AddSingleton<HealthEnrollment>();
        services.AddSingleton<ReportHealthHandler>();
        services.AddSingleton<AgentHealthSweeper>();
        services.TryAddSingleton<IAgentHealthEvents, NoAgentHealthEvents>();
        return services;
    }
}
