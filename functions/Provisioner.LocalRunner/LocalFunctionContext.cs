using System.Collections;
using System.Collections.Immutable;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Hosting;

namespace Provisioner.LocalRunner;

/// <summary>
/// The <see cref="FunctionContext"/> of one invocation on the local runner, as the worker builds
/// it on the Functions host: the function's definition (its name and entry point, read by the
/// middleware), the invocation's services (a DI scope), its cancellation, and for HTTP the
/// <see cref="HttpContext"/> under the item key where the ASP.NET Core integration puts it, so
/// <c>GetHttpContext()</c> finds it. Having no span of its own, the runner passes the request's
/// <c>traceparent</c> as the host passes its span's. The answer is kept in an
/// <see cref="InvocationAnswer"/> feature (the worker's own result feature is not public).
/// </summary>
public sealed class LocalFunctionContext : FunctionContext
{
    /// <summary>Where Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore keeps the request (its <c>Constants.HttpContextKey</c>), read by <c>FunctionContext.GetHttpContext()</c>.</summary>
    public const string HttpContextKey = "HttpRequestContext";

    public LocalFunctionContext(FunctionEntry function, IServiceProvider services, object? triggerValue, HttpContext? http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        FunctionEntry = function;
        TriggerValue = triggerValue;
        FunctionDefinition = new LocalFunctionDefinition(function);
        InstanceServices = services;
        CancellationToken = cancellationToken;
        Http = http;
        TraceContext = new LocalTraceContext(http?.Request.Headers.TraceParent is { Count: 1 } header ? header[0] ?? "" : "");
        Features.Set(Answer);
        if (http is not null)
        {
            Items[HttpContextKey] = http;
        }
    }

    public FunctionEntry FunctionEntry { get; }

    /// <summary>What the trigger parameter is bound to: the request, the queue message, the timer's information.</summary>
    public object? TriggerValue { get; }

    public HttpContext? Http { get; }

    internal InvocationAnswer Answer { get; } = new();

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext { get; }

    public override BindingContext BindingContext { get; } = new LocalBindingContext();

    public override RetryContext RetryContext { get; } = new LocalRetryContext();

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition { get; }

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features { get; } = new LocalFeatures();

    public override CancellationToken CancellationToken { get; }

    private sealed class LocalFunctionDefinition(FunctionEntry function) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters { get; } =
            [.. function.Method.GetParameters().Select(p => new FunctionParameter(p.Name ?? "", p.ParameterType))];

        public override string PathToAssembly => function.Type.Assembly.Location;

        /// <summary>As functions.metadata writes it: the class's full name and the method's.</summary>
        public override string EntryPoint { get; } = $"{function.Type.FullName}.{function.Method.Name}";

        public override string Id => function.Name;

        public override string Name => function.Name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
            ImmutableDictionary<string, BindingMetadata>.Empty.Add(function.Trigger.Name ?? "trigger", new LocalBinding(function.Trigger.Name ?? "trigger", TriggerType(function.TriggerAttribute), BindingDirection.In));

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } =
            function.TriggerAttribute is HttpTriggerAttribute
                ? ImmutableDictionary<string, BindingMetadata>.Empty.Add("$return", new LocalBinding("$return", "http", BindingDirection.Out))
                : ImmutableDictionary<string, BindingMetadata>.Empty;

        private static string TriggerType(Attribute trigger) => trigger switch
        {
            HttpTriggerAttribute => "httpTrigger",
            QueueTriggerAttribute => "queueTrigger",
            TimerTriggerAttribute => "timerTrigger",
            _ => throw new InvalidOperationException($"The local runner drives HTTP, queue and timer triggers only, not {trigger.GetType().Name}."),
        };
    }

    private sealed class LocalBinding(string name, string type, BindingDirection direction) : BindingMetadata
    {
        public override string Name => name;

        public override string Type => type;

        public override BindingDirection Direction => direction;
    }

    private sealed class LocalTraceContext(string traceparent) : TraceContext
    {
        public override string TraceParent => traceparent;

        public override string TraceState => "";
    }

    private sealed class LocalBindingContext : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData { get; } = new Dictionary<string, object?>();
    }

    private sealed class LocalRetryContext : RetryContext
    {
        public override int RetryCount => 0;

        public override int MaxRetryCount => 0;
    }

    private sealed class LocalFeatures : IInvocationFeatures
    {
        private readonly Dictionary<Type, object> _features = [];

        public void Set<T>(T instance) => _features[typeof(T)] = instance!;

        public T? Get<T>() => _features.TryGetValue(typeof(T), out var feature) ? (T)feature : default;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
