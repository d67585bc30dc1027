using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Provisioner.Functions.Audit;

public sealed class CleanAuditLogFunction(IServiceProvider services)
{
    private readonly AuditRetention retention = services.GetRequiredService<AuditRetention>();

    /// <summary>Daily at 03:17 UTC: entries older than AUDIT_RETENTION_DAYS are deleted.</summary>
    [Function("CleanAuditLog")]
    public Task RunAsync([TimerTrigger("0 17 3 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        retention.CleanAsync(cancellationToken);
}
