using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.ReceiveCallback;

namespace Provisioner.Functions.Simulator;

/// <summary>
/// Plays the provisioning workflow when no GitHub token is configured: the same callbacks, in
/// the workflow's order, signed with Standard Webhooks and sent over HTTP to the job's
/// <c>callback_url</c>, with short pauses. It stops when its claim is refused (409), as the real
/// workflow does, and retries a callback that met a network error or a 5xx.
/// </summary>
internal sealed partial class SimulatedWorkflow(
    IOptions<SimulatorOptions> options,
    IOptions<CallbackSecurityOptions> security,
    TimeProvider time,
    IHttpClientFactory httpClients,
    ILogger<SimulatedWorkflow> logger) : BackgroundService, IWorkflowDispatcher, Lifecycle.IWorkflowRunCanceller
{
    /// <summary>Its client for the callbacks and agent reports (15 s a request), registered with the app's other clients.</summary>
    public const string HttpClientName = "simulator";

    private readonly ConcurrentDictionary<string, bool> _cancelled = new();

    private readonly Channel<(WorkflowInputs Inputs, string RunId)> _runs = Channel.CreateUnbounded<(WorkflowInputs, string)>();
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private readonly HttpClient _http = httpClients.CreateClient(HttpClientName);

    public Task<DispatchOutcome> DispatchAsync(WorkflowInputs inputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var runId = "sim-" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture);
        _runs.Writer.TryWrite((inputs, runId));
        LogStarted(logger, inputs.JobId, runId, options.Value.FailAt ?? "nowhere");
        return Task.FromResult<DispatchOutcome>(new DispatchOutcome.Dispatched(runId, null));
    }

    /// <summary>As GitHub does: the run stops at its next step, and its clean-up reports <c>status: cancelled</c>.</summary>
    public Task<bool> CancelAsync(string runId, CancellationToken cancellationToken)
    {
        _cancelled[runId] = true;
        return Task.FromResult(true);
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (inputs, runId) in _runs.Reader.ReadAllAsync(stoppingToken))
            {
                var run = RunAsync(inputs, runId, stoppingToken);
                _running[run] = true;
                _ = run.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        await Task.WhenAll(_running.Keys);
    }

    private async Task RunAsync(WorkflowInputs inputs, string runId, CancellationToken cancellationToken)
    {
        if (inputs.Kind == Jobs.JobKind.Deprovision)
        {
            await RemoveAsync(inputs, runId, options.Value.FailAt?.Trim().ToLowerInvariant(), cancellationToken);
            return;
        }

        // SIMULATOR_FAIL_AT applies to runs from the start only: a re-run from the failed step
        // (resume_from) runs clean, so ./run.sh can show a failure and its re-run reaching Running.
        var resumeFrom = inputs is { ResumeFrom: { } from, ServerId: not null } ? from : null;
        var failAt = resumeFrom is null ? options.Value.FailAt?.Trim().ToLowerInvariant() : null;
        var serverId = resumeFrom is null ? "sim-" + runId[4..] : inputs.ServerId!;
        try
        {
            string? agentKey = null;
            if (!await SendAsync(inputs, new { job_id = inputs.JobId, status = "provisioning", workflow_run_id = runId }, cancellationToken, answer => agentKey = AgentKeyOf(answer)))
            {
                return;
            }

            if (resumeFrom is null)
            {
                await PauseAsync(cancellationToken);
                await SendAsync(inputs, new { job_id = inputs.JobId, type = "heartbeat" }, cancellationToken);
                if (await FailedAtAsync("provision", failAt, inputs, runId, null, "could not create the server: the simulated cloud has no capacity in " + inputs.Region, cancellationToken))
                {
                    return;
                }
            }

            // A re-run finds its kept server and reports it at once, as the workflow's resume path does.
            // With the type, location and price the workflow reads from Hetzner (docs/cost.md), so ./run.sh shows a cost.
            await SendAsync(inputs, new { job_id = inputs.JobId, status = "provisioning", step = "vm_created", server_type = SimulatedPrice.ServerType, location = SimulatedPrice.Location, price = SimulatedPrice.Price }, cancellationToken);
            if (resumeFrom != KeptServer.Configure
                && await FailedAtAsync("install", failAt, inputs, runId, serverId, "could not install Ansible on the server (simulated)", cancellationToken))
            {
                return;
            }

            await SendAsync(inputs, new { job_id = inputs.JobId, status = "provisioning", step = "ansible_started", mode = "full", used_snapshot = false }, cancellationToken);
            if (await FailedAtAsync("configure", failAt, inputs, runId, serverId, "the agent did not pass its health check (simulated)", cancellationToken))
            {
                return;
            }

            await SendAsync(inputs, new { job_id = inputs.JobId, status = "provisioning", step = "ansible_complete" }, cancellationToken);
            await PauseAsync(cancellationToken);
            var host = (serverId.GetHashCode(StringComparison.Ordinal) & 0x7f) + 10;
            await SendAsync(inputs, new { job_id = inputs.JobId, status = "running", server_id = serverId, server_ip = $"203.0.113.{host}", tailscale_ip = $"100.64.0.{host}", used_snapshot = false }, cancellationToken);
            LogFinished(logger, inputs.JobId, runId);
            if (agentKey is not null)
            {
                await new SimulatedAgent(_http, time, logger).ReportAsync(inputs, agentKey, options.Value.Health, options.Value.HealthInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: a real run would go on, and its job would time out here.
        }
    }

    /// <summary>
    /// Plays <c>deprovision-agent.yml</c>: claim, heartbeat, remove (nothing real here), report
    /// <c>running</c> with the server id; or <c>failed</c> on <c>remove</c>; or, cancelled, <c>cancelled</c>.
    /// The simulated agent of the removed server stops reporting: its reports are refused from now on.
    /// </summary>
    private async Task RemoveAsync(WorkflowInputs inputs, string runId, string? failAt, CancellationToken cancellationToken)
    {
        try
        {
            if (!await SendAsync(inputs, new { job_id = inputs.JobId, status = "provisioning", workflow_run_id = runId }, cancellationToken))
            {
                return;
            }

            await PauseAsync(cancellationToken);
            await SendAsync(inputs, new { job_id = inputs.JobId, type = "heartbeat" }, cancellationToken);
            if (await FailedAtAsync("remove", failAt, inputs, runId, serverId: null, $"could not delete server {inputs.ServerId}: the simulated cloud refused (simulated)", cancellationToken))
            {
                return;
            }

            await SendAsync(inputs, new { job_id = inputs.JobId, status = "running", server_id = inputs.ServerId }, cancellationToken);
            LogFinished(logger, inputs.JobId, runId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <param name="serverId">The server the run has at this step (null before it made one): as the workflow's clean-up, a failure at install or configure keeps it for <c>keep_failed_server_minutes</c> and says so.</param>
    private async Task<bool> FailedAtAsync(string step, string? failAt, WorkflowInputs inputs, string runId, string? serverId, string error, CancellationToken cancellationToken)
    {
        await PauseAsync(cancellationToken);
        if (_cancelled.TryRemove(runId, out _))
        {
            // The clean-up: delete what was created (nothing real here), then report.
            await SendAsync(inputs, new { job_id = inputs.JobId, status = "cancelled" }, cancellationToken);
            return true;
        }

        if (failAt != step)
        {
            return false;
        }

        var failure = new Dictionary<string, object> { ["job_id"] = inputs.JobId, ["status"] = "failed", ["error"] = error, ["failed_step"] = step, ["step"] = step };
        if (serverId is not null && inputs.KeepFailedServerMinutes > 0)
        {
            failure["server_id"] = serverId;
            failure["server_kept_until"] = time.GetUtcNow().AddMinutes(inputs.KeepFailedServerMinutes).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        await SendAsync(inputs, failure, cancellationToken);
        return true;
    }

    private Task PauseAsync(CancellationToken cancellationToken) => Task.Delay(options.Value.StepDelay, time, cancellationToken);

    /// <summary>Sends one signed callback; false when the backend refused the run (409), which ends it.</summary>
    private async Task<bool> SendAsync(WorkflowInputs inputs, object payload, CancellationToken cancellationToken, Action<byte[]>? onAnswer = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(payload);
        var webhookId = "msg_" + Guid.NewGuid().ToString("N");
        SigningKeys.TryCreate(security.Value.Secret!, out var keys, out _);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, inputs.CallbackUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            foreach (var (name, value) in StandardWebhookSigner.Sign(keys!, webhookId, time.GetUtcNow(), body))
            {
                request.Headers.Add(name, value);
            }

            if (inputs.Traceparent is { } traceparent)
            {
                request.Headers.TryAddWithoutValidation("traceparent", traceparent); // as callback.sh sends it back
            }

            try
            {
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    LogRefused(logger, inputs.JobId);
                    return false;
                }

                if (response.IsSuccessStatusCode && onAnswer is not null)
                {
                    onAnswer(await response.Content.ReadAsByteArrayAsync(cancellationToken));
                }

                if (response.IsSuccessStatusCode || (int)response.StatusCode < 500 || attempt >= 5)
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        LogCallbackFailed(logger, inputs.JobId, (int)response.StatusCode);
                    }

                    return true;
                }
            }
            catch (HttpRequestException e) when (attempt < 5)
            {
                // The backend may be restarting: retry as the workflow's curl --retry would.
                LogCallbackRetry(logger, inputs.JobId, attempt, e);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: simulated callback attempt {Attempt} got no answer; trying again")]
    private static partial void LogCallbackRetry(ILogger logger, Guid jobId, int attempt, Exception exception);
    /// <summary>The agent_key of a claim's answer, as the workflow's callback.sh reads it; null when there is none.</summary>
    private static string? AgentKeyOf(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.TryGetProperty("agent_key", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: simulated workflow run {RunId} started (fails at: {FailAt})")]
    private static partial void LogStarted(ILogger logger, Guid jobId, string runId, string failAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: simulated workflow run {RunId} finished")]
    private static partial void LogFinished(ILogger logger, Guid jobId, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the backend refused the simulated run's claim (409); the run stops")]
    private static partial void LogRefused(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: a simulated callback was answered {StatusCode}")]
    private static partial void LogCallbackFailed(ILogger logger, Guid jobId, int statusCode);
}
