using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// Where spans and metrics go (docs/telemetry.md): the standard OpenTelemetry endpoint settings
/// (the OTLP exporter reads the other <c>OTEL_*</c> settings itself) and Application Insights.
/// No validator: an endpoint the exporter cannot use is the exporter's to report.
/// </summary>
public sealed class TelemetryOptions
{
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpTracesEndpointSetting = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string OtlpMetricsEndpointSetting = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
    public const string AzureMonitorSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Set by infra/ to <c>ClientId=…;Authorization=AAD</c>: which managed identity signs in to Application Insights.</summary>
    public const string AzureMonitorAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    [ConfigurationKeyName(OtlpEndpointSetting)]
    public string? OtlpEndpoint { get; set; }

    [ConfigurationKeyName(OtlpTracesEndpointSetting)]
    public string? OtlpTracesEndpoint { get; set; }

    [ConfigurationKeyName(OtlpMetricsEndpointSetting)]
    public string? OtlpMetricsEndpoint { get; set; }

    [ConfigurationKeyName(AzureMonitorSetting)]
    public string? AzureMonitorConnectionString { get; set; }

    [ConfigurationKeyName(AzureMonitorAuthenticationSetting)]
    public string? AzureMonitorAuthentication { get; set; }

    public bool ExportsTracesToOtlp => Set(OtlpEndpoint) || Set(OtlpTracesEndpoint);

    public bool ExportsMetricsToOtlp => Set(OtlpEndpoint) || Set(OtlpMetricsEndpoint);

    public bool ExportsToAzureMonitor => Set(AzureMonitorConnectionString);

    /// <summary>The managed identity named by <c>ClientId=…</c> in <see cref="AzureMonitorAuthentication"/>, or null.</summary>
    public string? AzureMonitorClientId =>
        (AzureMonitorAuthentication ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair[1])
            .FirstOrDefault(id => id.Length > 0);

    private static bool Set(string? value) => !string.IsNullOrWhiteSpace(value);
}
