using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

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
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpTracesEndpointSetting = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string OtlpMetricsEndpointSetting = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
    public const string AzureMonitorSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Set by infra/ to <c>ClientId=…;Authorization=AAD</c>: which managed identity signs in to Application Insights.</summary>
    public const string AzureMonitorAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IServiceCollection AddProvisionerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        bool Set(string name) => !string.IsNullOrWhiteSpace(configuration[name]);
        var otlpTraces = Set(OtlpEndpointSetting) || Set(OtlpTracesEndpointSetting);
        var otlpMetrics = Set(OtlpEndpointSetting) || Set(OtlpMetricsEndpointSetting);
        var azureMonitor = Set(AzureMonitorSetting);
        if (!otlpTraces && !otlpMetrics && !azureMonitor)
        {
            return services;
        }

        var credential = azureMonitor ? Credential(configuration[AzureMonitorAuthenticationSetting]) : null;
        void AzureMonitor(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = configuration[AzureMonitorSetting];
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
    private static TokenCredential Credential(string? authentication)
    {
        var clientId = (authentication ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair[1])
            .FirstOrDefault();
        return clientId is { Length: > 0 }
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }
}
