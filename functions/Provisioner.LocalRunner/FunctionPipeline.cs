using Microsoft.Azure.Functions.Worker.Middleware;

namespace Provisioner.LocalRunner;

/// <summary>Runs one invocation through the app's worker middleware (<see cref="LocalWorkerApplicationBuilder"/>), for every trigger the runner drives, and gives back the answer.</summary>
public sealed class FunctionPipeline(FunctionExecutionDelegate pipeline)
{
    public async Task<object?> InvokeAsync(FunctionEntry function, IServiceProvider services, object? triggerValue, HttpContext? http, CancellationToken cancellationToken)
    {
        var context = new LocalFunctionContext(function, services, triggerValue, http, cancellationToken);
        await pipeline(context);
        return context.Answer.Value;
    }
}
