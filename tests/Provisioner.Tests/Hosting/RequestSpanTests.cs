using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Provisioner.Functions;
using Provisioner.LocalRunner;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Hosting;

/// <summary>
/// The request span middleware's parent, through the app's one registration point and the local
/// runner's FunctionContext: under the worker's invocation span (the Functions host in
/// telemetryMode OpenTelemetry) the app's span is its child, so host, worker and app spans are one
/// trace; a caller's traceparent of another trace wins, linked to the worker's span. No storage:
/// GetJobStatus answers 404 for an id that is not a GUID before it reads anything.
/// </summary>
public sealed class RequestSpanTests : IDisposable
{
    private const string WorkerSourceName = "Microsoft.Azure.Functions.Worker";
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;
    private readonly ActivitySource _worker = new(WorkerSourceName);

    public RequestSpanTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Provisioner" or WorkerSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task UnderTheWorkersInvocationSpan_TheRequestSpanIsItsChild()
    {
        Activity? invoke;
        using (invoke = _worker.StartActivity("Invoke"))
        {
            Assert.Equal(404, await InvokeAsync(traceparent: null));
        }

        var span = RequestSpan(invoke!.TraceId);
        Assert.Equal(invoke.SpanId, span.ParentSpanId);
        Assert.Equal(404, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task ACallersTraceparentOfAnotherTrace_Wins_LinkedToTheWorkersSpan()
    {
        var (caller, trace, parent) = NewCaller();
        Activity? invoke;
        using (invoke = _worker.StartActivity("Invoke"))
        {
            await InvokeAsync(caller);
        }

        var span = RequestSpan(trace);
        Assert.Equal(parent, span.ParentSpanId);
        Assert.Equal(invoke!.SpanId, Assert.Single(span.Links).Context.SpanId);
    }

    [Fact]
    public async Task WithoutAWorkerSpan_TheCallersTraceparentIsTheParent_AsOnTheLocalRunner()
    {
        var (caller, trace, parent) = NewCaller();
        await InvokeAsync(caller);
        var span = RequestSpan(trace);
        Assert.Equal(parent, span.ParentSpanId);
        Assert.Empty(span.Links);
    }

    /// <summary>This test's span: other tests in the process may trace GetJobStatus at the same time, in other traces.</summary>
    private Activity RequestSpan(ActivityTraceId trace) => Assert.Single(_stopped, a => a.Source.Name == "Provisioner" && a.DisplayName == "GetJobStatus" && a.TraceId == trace);

    private static (string Traceparent, ActivityTraceId Trace, ActivitySpanId Parent) NewCaller()
    {
        var trace = ActivityTraceId.CreateRandom();
        var parent = ActivitySpanId.CreateRandom();
        return ($"00-{trace.ToHexString()}-{parent.ToHexString()}-01", trace, parent);
    }

    private static async Task<int?> InvokeAsync(string? traceparent)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(HostSettings.Sample).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        var worker = new LocalWorkerApplicationBuilder(services);
        worker.UseProvisioner(configuration);
        await using var provider = services.BuildServiceProvider();
        var pipeline = new FunctionPipeline(worker.Build());
        var function = FunctionCatalog.Discover(typeof(ProvisionerHosting).Assembly).Single(f => f.Name == "GetJobStatus");
        var http = new DefaultHttpContext { RequestServices = provider };
        http.Request.RouteValues["jobId"] = "not-a-job";
        if (traceparent is not null)
        {
            http.Request.Headers.TraceParent = traceparent;
        }

        var answer = await pipeline.InvokeAsync(function, provider, http.Request, http, CancellationToken.None);
        return answer is IStatusCodeHttpResult { StatusCode: var status } ? status : (answer as Provisioner.Functions.Http.ProblemResult)?.Status;
    }

    public void Dispose()
    {
        _listener.Dispose();
        _worker.Dispose();
    }
}
