using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Provisioner.LocalRunner;

/// <summary>
/// The local runner's <see cref="IFunctionsWorkerApplicationBuilder"/>: what the Functions host's
/// builder is to <c>Program.cs</c>. The app's one registration point
/// (<see cref="Provisioner.Functions.ProvisionerHosting.UseProvisioner"/>) adds its services and
/// middleware through it exactly as on the host; <see cref="Build"/> then composes the middleware,
/// in the order they were added, around a call of the function.
/// </summary>
public sealed class LocalWorkerApplicationBuilder(IServiceCollection services) : IFunctionsWorkerApplicationBuilder
{
    private readonly List<Func<FunctionExecutionDelegate, FunctionExecutionDelegate>> _middleware = [];

    public IServiceCollection Services { get; } = services;

    public IFunctionsWorkerApplicationBuilder Use(Func<FunctionExecutionDelegate, FunctionExecutionDelegate> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>The pipeline: the first middleware added outermost, the function innermost, its return value the invocation's answer.</summary>
    public FunctionExecutionDelegate Build()
    {
        FunctionExecutionDelegate pipeline = async context =>
        {
            var local = (LocalFunctionContext)context;
            local.Answer.Value = await FunctionInvoker.InvokeAsync(local.FunctionEntry, context.InstanceServices, local.TriggerValue, local.Http, context.CancellationToken);
        };
        for (var i = _middleware.Count - 1; i >= 0; i--)
        {
            pipeline = _middleware[i](pipeline);
        }

        return pipeline;
    }
}
