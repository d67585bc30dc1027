using Microsoft.Azure.Functions.Worker;

namespace Provisioner.LocalRunner;

/// <summary>Maps every HTTP-triggered function to an endpoint on the trigger's methods and route, under the host's route prefix.</summary>
public static class HttpFunctionEndpoints
{
    public static IReadOnlyList<string> MapHttpFunctions(this WebApplication app, IEnumerable<FunctionEntry> functions, string routePrefix)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(functions);
        var mapped = new List<string>();
        foreach (var function in functions)
        {
            if (function.TriggerAttribute is not HttpTriggerAttribute trigger || FunctionCatalog.IsDisabled(app.Configuration, function.Name))
            {
                continue;
            }

            var returns = function.Method.ReturnType;
            if (!typeof(Task<IResult>).IsAssignableFrom(returns) && !typeof(IResult).IsAssignableFrom(returns))
            {
                throw new InvalidOperationException($"{function.Name}: the local runner serves HTTP functions that return IResult or Task<IResult>.");
            }

            var route = "/" + string.Join('/', new[] { routePrefix, trigger.Route ?? function.Name }.Where(s => !string.IsNullOrEmpty(s)));
            var methods = (trigger.Methods ?? ["get", "post", "put", "delete", "patch", "head", "options"]).Select(m => m.ToUpperInvariant()).ToArray();
            app.MapMethods(route, methods, async (HttpContext context, FunctionPipeline pipeline) =>
            {
                // The worker middleware's answer, or the function's: executed here as the ASP.NET Core integration does on the host.
                var answer = await pipeline.InvokeAsync(function, context.RequestServices, context.Request, context, context.RequestAborted);
                var result = answer as IResult ?? throw new InvalidOperationException($"{function.Name} gave no IResult.");
                await result.ExecuteAsync(context);
            }).WithName(function.Name);
            mapped.Add($"{function.Name}: [{string.Join(',', methods)}] {route}");
        }

        return mapped;
    }
}
