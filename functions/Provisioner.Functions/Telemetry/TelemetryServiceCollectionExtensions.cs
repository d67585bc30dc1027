using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Telemetry;

/// <summary>
/// Where spans and metrics go (docs/telemetry.md): to OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or the per-signal <c>…_TRACES_ENDPOINT</c>,
/// <c>…_METRICS_ENDPOINT</c>) is set, the exporter reading the other <c>OTEL_*</c> settings
/// itself; to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, signed in
/// with the app's managed identity (no key); nowhere otherwise. Registered by
/// <see cref="ProvisionerServiceCollectionExtensions.AddProvisioner"/>, so the Functions host
/// and the local runner export alike.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddProvisionerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        // Whether an exporter is added is decided while services are registered, from the settings as bound.
        var settings = SettingsBinding.Read<TelemetryOptions>(configuration);
        var otlpTraces = settings.ExportsTracesToOtlp;
        var otlpMetrics = settings.ExportsMetricsToOtlp;
        var azureMonitor = settings.ExportsToAzureMonitor;
        if (!otlpTraces && !otlpMetrics && !azureMonitor)
        {
            return services;
        }

        var credential = azureMonitor ? Credential(settings.AzureMonitorClientId) : null;
        void AzureMonitor(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = settings.AzureMonitorConnectionString;
            o.Credential = credential;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("provisioner"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(ProvisionerTelemetry.Name);
                if (otlpTraces)
                {
                    tracing.AddOtlpExporter();
                }

                if (azureMonitor)
                {
                    tracing.AddAzureMonitorTraceExporter(AzureMonitor);
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ProvisionerTelemetry.Name);
                if (otlpMetrics)
                {
                    metrics.AddOtlpExporter();
                }

                if (azureMonitor)
                {
                    metrics.AddAzureMonitorMetricExporter(AzureMonitor);
                }
            });
        return services;
    }

    /// <summary>
    /// Keyless sign-in: the user-assigned identity named by <c>ClientId=…</c> in
    /// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>, else whatever
    /// <see cref="DefaultAzureCredential"/> finds (a developer's az login).
    /// </summary>
    private static TokenCredential Credential(string? clientId) =>
        clientId is { Length: > 0 }
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
}
