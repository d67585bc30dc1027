using OpenTelemetry;

namespace Provisioner.Functions.Telemetry;

/// <summary>
/// Keeps a client's requests out of the app's traces: the HTTP instrumentation would make each a
/// span and write that span's <c>traceparent</c> over the one the request carries. For the
/// simulated workflow, which stands for another process (GitHub's runner) and sends back the
/// job's trace context exactly as <c>callback.sh</c> does.
/// </summary>
internal sealed class UntracedHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        return await base.SendAsync(request, cancellationToken);
    }
}
