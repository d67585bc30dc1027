using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Provisioner.LocalRunner;

/// <summary>
/// Maps every HTTP-triggered function of an assembly to an endpoint, from the same attributes
/// the Functions SDK turns into <c>functions.metadata</c>: name, methods and route. The function
/// class is created per call from DI, as the worker does; parameters are bound by type
/// (<see cref="HttpRequest"/>, <see cref="CancellationToken"/>) or by route value name.
/// </summary>
public static class HttpFunctionEndpoints
{
    public static IReadOnlyList<string> MapHttpFunctions(this WebApplication app, Assembly functions, string routePrefix)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(functions);
        var mapped = new List<string>();
        foreach (var type in functions.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var parameters = method.GetParameters();
                if (parameters.Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null) is not { } trigger)
                {
                    continue;
                }

                if (!typeof(Task<IResult>).IsAssignableFrom(method.ReturnType) && !typeof(IResult).IsAssignableFrom(method.ReturnType))
                {
                    throw new InvalidOperationException($"{type.Name}.{method.Name}: the local runner serves functions that return IResult or Task<IResult>.");
                }

                var route = "/" + string.Join('/', new[] { routePrefix, trigger.Route ?? function.Name }.Where(s => !string.IsNullOrEmpty(s)));
                var methods = (trigger.Methods ?? ["get", "post", "put", "delete", "patch", "head", "options"]).Select(m => m.ToUpperInvariant()).ToArray();
                app.MapMethods(route, methods, (HttpContext context) => InvokeAsync(context, type, method, parameters))
                    .WithName(function.Name);
                mapped.Add($"{function.Name}: [{string.Join(',', methods)}] {route}");
            }
        }

        return mapped;
    }

    private static async Task InvokeAsync(HttpContext context, Type type, MethodInfo method, ParameterInfo[] parameters)
    {
        var instance = method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, type);
        var arguments = parameters.Select(p => Bind(context, p)).ToArray();
        var returned = method.Invoke(instance, arguments);
        var result = returned switch
        {
            Task<IResult> task => await task,
            IResult value => value,
            _ => throw new InvalidOperationException($"{type.Name}.{method.Name} returned no IResult."),
        };
        await result.ExecuteAsync(context);
    }

    private static object? Bind(HttpContext context, ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        if (parameter.ParameterType == typeof(string) && parameter.Name is { } name)
        {
            return context.GetRouteValue(name) as string;
        }

        throw new InvalidOperationException($"The local runner cannot bind parameter {parameter.Name} of type {parameter.ParameterType.Name}.");
    }
}
