using System.Reflection;
using System.Text.Json;

namespace Provisioner.LocalRunner;

/// <summary>
/// Calls a function as the worker does: a new instance per call from a DI scope, parameters bound
/// by type (<see cref="HttpRequest"/>, <see cref="CancellationToken"/>), the trigger parameter
/// from the trigger's value (a queue message's JSON to the parameter's type), and strings by
/// route value name.
/// </summary>
public static class FunctionInvoker
{
    private static readonly JsonSerializerOptions WorkerJson = new() { PropertyNameCaseInsensitive = true };

    public static async Task<object?> InvokeAsync(FunctionEntry function, IServiceProvider services, object? triggerValue, HttpContext? http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var instance = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, function.Type);
        var arguments = function.Method.GetParameters().Select(p => Bind(function, p, triggerValue, http, cancellationToken)).ToArray();
        object? returned;
        try
        {
            returned = function.Method.Invoke(instance, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }

        switch (returned)
        {
            case Task task:
                await task;
                return task.GetType().IsGenericType ? task.GetType().GetProperty("Result")!.GetValue(task) : null;
            default:
                return returned;
        }
    }

    private static object? Bind(FunctionEntry function, ParameterInfo parameter, object? triggerValue, HttpContext? http, CancellationToken cancellationToken)
    {
        if (parameter == function.Trigger || parameter.Position == function.Trigger.Position)
        {
            // A queue message bound to a record, as the worker binds it: its JSON, read with the
            // worker's default serializer options (property names case-insensitive). A message
            // that is not such JSON fails the invocation, on the host as here.
            return triggerValue is string text && parameter.ParameterType != typeof(string) && parameter.ParameterType != typeof(object)
                ? JsonSerializer.Deserialize(text, parameter.ParameterType, WorkerJson)
                : triggerValue;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        if (parameter.ParameterType == typeof(HttpRequest) && http is not null)
        {
            return http.Request;
        }

        if (parameter.ParameterType == typeof(string) && http is not null && parameter.Name is { } name)
        {
            return http.GetRouteValue(name) as string;
        }

        throw new InvalidOperationException($"The local runner cannot bind parameter {parameter.Name} ({parameter.ParameterType.Name}) of {function.Name}.");
    }
}
