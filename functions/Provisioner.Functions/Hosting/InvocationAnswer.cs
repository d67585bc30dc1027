using Microsoft.Azure.Functions.Worker;

namespace Provisioner.Functions.Hosting;

/// <summary>
/// What a function answered, as the middleware reads and replaces it. On the Functions host that
/// is the worker's invocation result, which the ASP.NET Core integration then executes (an
/// <see cref="Microsoft.AspNetCore.Http.IResult"/>). The worker keeps that result in a feature of
/// its own that is not public, so the local runner sets this class as a feature of its
/// <see cref="FunctionContext"/> instead, and executes what it holds after the pipeline.
/// </summary>
internal sealed class InvocationAnswer
{
    public object? Value { get; set; }

    public static object? Get(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<InvocationAnswer>() is { } local ? local.Value : context.GetInvocationResult().Value;
    }

    public static void Set(FunctionContext context, object? value)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<InvocationAnswer>() is { } local)
        {
            local.Value = value;
        }
        else
        {
            context.GetInvocationResult().Value = value;
        }
    }
}
