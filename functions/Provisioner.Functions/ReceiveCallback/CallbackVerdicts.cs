using System.Globalization;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>The <c>provisioner.callbacks</c> metric: each callback's answer as a verdict (docs/telemetry.md).</summary>
internal sealed class CallbackVerdicts : IAnswerMetric
{
    public void Record(int? status) => ProvisionerTelemetry.CallbackVerdict(status switch
    {
        200 => "accepted",
        400 or 413 or 415 => "malformed",
        401 => "unauthorized",
        404 => "unknown_job",
        409 => "refused",
        503 => "unavailable",
        var other => other?.ToString(CultureInfo.InvariantCulture) ?? "other",
    });
}
