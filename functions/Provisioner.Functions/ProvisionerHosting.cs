using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Provisioner.Functions.Audit;
using Provisioner.Functions.Hosting;

namespace Provisioner.Functions;

/// <summary>
/// The one registration point of both hosts (docs/functions-host.md): the Functions host's
/// Program.cs and the local runner each call <see cref="UseProvisioner"/> on their
/// <see cref="IFunctionsWorkerApplicationBuilder"/>, so they get the same services and the same
/// worker middleware in the same order: the request span, then the access check, then the
/// storage-outage answer, then the function. The audit record (Audit/AuditMiddleware) wraps the
/// access check, so a refusal of the check is recorded too.
/// </summary>
public static class ProvisionerHosting
{
    public static IFunctionsWorkerApplicationBuilder UseProvisioner(this IFunctionsWorkerApplicationBuilder app, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.AddProvisioner(configuration);
        app.UseMiddleware<RequestSpanMiddleware>();
        app.UseMiddleware<AuditMiddleware>();
        app.UseMiddleware<AccessMiddleware>();
        app.UseMiddleware<StorageOutageMiddleware>();
        return app;
    }
}
