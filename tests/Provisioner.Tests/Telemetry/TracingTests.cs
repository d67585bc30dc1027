using System.Text;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Telemetry;

/// <summary>
/// One job, one trace: with the standard OTLP settings, an OTLP receiver over HTTP gets the spans
/// of creation, the queue, dispatch and every callback of one job (the simulated workflow sends
/// the dispatch's traceparent back, as callback.sh does), linked parent to child.
/// </summary>
public sealed class TracingTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task OneJob_IsOneTrace_FromCreateThroughDispatchToEveryCallback()
    {
        await using var otlp = await OtlpReceiver.StartAsync();
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["AzureWebJobs.DispatchJob.Disabled"] = "false",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            ["SIMULATOR_STEP_DELAY_MS"] = "50",
        });
        var job = await runner.NewJobAsync();
        await Eventually.WaitAsync(async () => (await runner.GetJobAsync(job)).Body.GetProperty("status").GetString(), s => s == "running", what: "the job running");

        // provisioning (claim), heartbeat, vm_created, ansible_started, ansible_complete, running.
        // Other tests' runners may trace at the same time (one ActivitySource per process): this job's trace is found by its id.
        var jobId = job.ToString("D");
        var trace = await Eventually.WaitAsync(
            () => Task.FromResult<IReadOnlyList<OtlpReceiver.Span>>(new SpanList(TraceOf(otlp.Spans, jobId))),
            t => t.Count(x => x.Name == "callback") >= 6 && t.Any(x => x.Name == "dispatch job") && t.Any(x => x.Name == "create job"),
            TimeSpan.FromSeconds(30),
            $"the spans of job {jobId} exported");
        var create = Assert.Single(trace, s => s.Name == "create job");
        var enqueue = Assert.Single(trace, s => s.Name == "enqueue dispatch");
        var dispatch = Assert.Single(trace, s => s.Name == "dispatch job");
        var callbacks = trace.Where(s => s.Name == "callback").ToList();
        Assert.Equal(6, callbacks.Count);
        Assert.Equal(create.SpanId, enqueue.ParentSpanId);
        Assert.Equal(enqueue.SpanId, dispatch.ParentSpanId);
        Assert.All(callbacks, c => Assert.Equal(dispatch.SpanId, c.ParentSpanId));
        Assert.Equal(jobId, dispatch.Attributes["provisioner.job_id"]);
        Assert.Equal(jobId, create.Attributes["provisioner.job_id"]);
        Assert.Equal(32, create.TraceId.Length);

        // Outgoing calls (OpenTelemetry.Instrumentation.Http) join the trace they are made in: create job's storage writes.
        Assert.Contains(trace, s => s.ParentSpanId == create.SpanId && s.Name is "GET" or "PUT" or "POST" or "PATCH" or "MERGE" or "DELETE");

        // The queue message carried it: the trace context of the dispatch is its parent's.
        var metrics = await Eventually.WaitAsync(() => Task.FromResult(otlp.MetricBatches), m => m.Any(b => Contains(b, "provisioner.jobs.ended")), TimeSpan.FromSeconds(30), "the metrics exported");
        Assert.Contains(metrics, b => Contains(b, "provisioner.callbacks") && Contains(b, "provisioner.dispatch.attempts") && Contains(b, "provisioner.step.duration"));
    }

    [Fact]
    public void DispatchMessage_WithoutTraceparent_IsStillRead()
    {
        var job = Guid.NewGuid();
        Assert.True(DispatchMessage.TryParse($"{{\"job_id\":\"{job}\"}}", out var id, out var traceparent));
        Assert.Equal((job, (string?)null), (id, traceparent));
        Assert.True(DispatchMessage.TryParse($"{{\"job_id\":\"{job}\",\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}}", out _, out traceparent));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", traceparent);
        Assert.Equal($"{{\"job_id\":\"{job}\"}}", System.Text.Json.JsonSerializer.Serialize(new DispatchMessage(job), DispatchMessage.JsonOptions));
    }

    /// <summary>Says which spans arrived when the wait fails.</summary>
    private sealed class SpanList(IReadOnlyList<OtlpReceiver.Span> spans) : List<OtlpReceiver.Span>(spans)
    {
        public override string ToString() => string.Join(", ", this.Select(s => s.Name)) + $" ({Count} spans)";
    }

    /// <summary>The spans of the trace whose queue span names <paramref name="jobId"/>.</summary>
    private static List<OtlpReceiver.Span> TraceOf(IReadOnlyList<OtlpReceiver.Span> spans, string jobId) =>
        spans.FirstOrDefault(s => s.Name == "enqueue dispatch" && s.Attributes.GetValueOrDefault("provisioner.job_id") == jobId) is { } enqueue
            ? spans.Where(s => s.TraceId == enqueue.TraceId).ToList()
            : [];

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;
}
