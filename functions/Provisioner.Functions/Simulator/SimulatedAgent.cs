using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Dispatch;

namespace Provisioner.Functions.Simulator;

/// <summary>
/// The agent of a simulated run, once it is running: it reports its health through the real
/// route (<c>POST /api/agents/{agent_id}/health</c>) with the key its claim returned, as the
/// <c>agent_health</c> timer does on a VM, until its key is revoked or the app stops.
/// <c>SIMULATOR_HEALTH</c> chooses what it says: ok, degraded, or nothing at all (silent).
/// </summary>
internal sealed partial class SimulatedAgent(HttpClient http, TimeProvider time, ILogger logger)
{
    /// <summary>How long a simulated agent keeps reporting: long enough to watch, short enough not to pile up.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public async Task ReportAsync(WorkflowInputs inputs, string agentKey, string? health, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (health == "silent")
        {
            LogSilent(logger, inputs.JobId);
            return;
        }

        var url = new Uri(inputs.CallbackUrl, $"/api/agents/{Uri.EscapeDataString(inputs.AgentId)}/health");
        var degraded = health == "degraded";
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            status = degraded ? "degraded" : "ok",
            checks = new Dictionary<string, object>
            {
                ["service"] = new { status = "ok", message = "agent.service is active (simulated)" },
                ["endpoint"] = new { status = "ok", message = "http://127.0.0.1:8080/health answered 200 (simulated)" },
                ["disk"] = degraded ? new { status = "failed", message = "3% free on / (simulated)" } : new { status = "ok", message = "64% free on / (simulated)" },
                ["memory"] = new { status = "ok", message = "71% available (simulated)" },
            },
            version = "simulated",
        });

        var until = time.GetUtcNow() + Lifetime;
        while (time.GetUtcNow() < until)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agentKey);
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    // A newer job of the agent took over: this agent's key no longer counts.
                    LogRevoked(logger, inputs.JobId);
                    return;
                }

                if (!response.IsSuccessStatusCode)
                {
                    LogReportFailed(logger, inputs.JobId, (int)response.StatusCode);
                }
            }
            catch (HttpRequestException)
            {
                // The backend may be restarting; the next report tries again.
            }

            await Task.Delay(interval, time, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: the simulated agent stays silent (SIMULATOR_HEALTH=silent)")]
    private static partial void LogSilent(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: the simulated agent's key was refused; it stops reporting")]
    private static partial void LogRevoked(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: a simulated health report was answered {StatusCode}")]
    private static partial void LogReportFailed(ILogger logger, Guid jobId, int statusCode);
}
