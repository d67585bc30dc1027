using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Hosting;

/// <summary>
/// Who may call an HTTP function: the level its <see cref="AccessAttribute"/> states, decided by
/// <see cref="RequestAccess"/> before the function runs. A refusal (401, 403, or 503 when the
/// token issuer cannot be reached) is the answer and the function does not run. A function that
/// states no level is an error of the app (500), never let through. Other triggers pass.
/// </summary>
internal sealed class AccessMiddleware(RequestAccess access) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        var policy = FunctionPolicy.Of(context);
        var needed = policy.Access ?? throw new InvalidOperationException($"{policy.Name} states no [Access(...)]: refused.");
        if (await access.CheckAsync(http.Request, needed, policy.Name, context.CancellationToken) is { } refused)
        {
            InvocationAnswer.Set(context, refused);
            return;
        }

        await next(context);
    }
}
