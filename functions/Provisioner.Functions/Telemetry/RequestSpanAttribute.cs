namespace Provisioner.Functions.Telemetry;

/// <summary>
/// Names the span the worker middleware (<c>Hosting/RequestSpanMiddleware</c>) opens around an
/// HTTP function (default: the function's name), and optionally a metric that records each of
/// its answers (<see cref="Answers"/>, a type implementing <see cref="IAnswerMetric"/> with a
/// parameterless constructor).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class RequestSpanAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    public Type? Answers { get; init; }
}
