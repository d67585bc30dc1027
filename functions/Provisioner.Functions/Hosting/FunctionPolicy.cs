using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Http;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Telemetry;

namespace Provisioner.Functions.Hosting;

/// <summary>
/// What a function states about itself on its method: who may call it (<see cref="AccessAttribute"/>),
/// what its 503 says (<see cref="StorageOutageAttribute"/>), its span and answer metric
/// (<see cref="RequestSpanAttribute"/>). Found from <see cref="FunctionDefinition.EntryPoint"/>
/// (<c>Namespace.Class.Method</c>), which the Functions host reads from functions.metadata and the
/// local runner sets the same way; read once per function.
/// </summary>
internal sealed record FunctionPolicy(string Name, Access? Access, string OutageDetail, string SpanName, IAnswerMetric? Answers)
{
    private static readonly ConcurrentDictionary<string, FunctionPolicy> Cache = new(StringComparer.Ordinal);

    public static FunctionPolicy Of(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var definition = context.FunctionDefinition;
        return Cache.GetOrAdd(definition.EntryPoint, static (entryPoint, name) => Read(entryPoint, name), definition.Name);
    }

    /// <summary>The method an entry point names, in this assembly; null when it names none.</summary>
    public static MethodInfo? Method(string entryPoint)
    {
        ArgumentNullException.ThrowIfNull(entryPoint);
        var dot = entryPoint.LastIndexOf('.');
        return dot <= 0
            ? null
            : typeof(FunctionPolicy).Assembly.GetType(entryPoint[..dot])?.GetMethod(entryPoint[(dot + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static);
    }

    private static FunctionPolicy Read(string entryPoint, string name)
    {
        var method = Method(entryPoint) ?? throw new InvalidOperationException($"{name}: its entry point {entryPoint} names no method of {typeof(FunctionPolicy).Assembly.GetName().Name}.");
        var span = method.GetCustomAttribute<RequestSpanAttribute>();
        IAnswerMetric? answers = span?.Answers is { } type
            ? Activator.CreateInstance(type) as IAnswerMetric ?? throw new InvalidOperationException($"{name}: {type.Name} is not an {nameof(IAnswerMetric)}.")
            : null;
        return new FunctionPolicy(
            name,
            method.GetCustomAttribute<AccessAttribute>()?.Level,
            method.GetCustomAttribute<StorageOutageAttribute>()?.Detail ?? StorageOutageAttribute.ReadRetry,
            span?.Name ?? name,
            answers);
    }
}
