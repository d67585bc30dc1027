using System.Diagnostics;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
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
/// and the local runner export alike; on the host, the worker's invocation spans
/// (<c>Microsoft.Azure.Functions.Worker.OpenTelemetry</c>) join the host's spans and the app's.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
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

        // The worker's defaults first: its invocation span's source, the Functions resource
        // attributes, and the capability that tells a host in telemetryMode OpenTelemetry that the
        // worker exports (so the host does not send the invocation twice). The service name after
        // it, so both hosts export as "provisioner".
        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .ConfigureResource(r => r.AddService("provisioner"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(ProvisionerTelemetry.Name);
                // Outgoing calls (GitHub, the issuers, notification receivers, storage) as spans of
                // the trace they are made in; a call made outside any trace (the runner's queue
                // polling) starts none.
                tracing.AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = _ => InATrace(Activity.Current));
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

    /// <summary>Whether an outgoing call is made inside a trace: the call's own activity has a parent (or, seen before it starts, some activity is current).</summary>
    private static bool InATrace(Activity? current) =>
        current is not null && (current.ParentSpanId != default || current.OperationName != "System.Net.Http.HttpRequestOut");

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
