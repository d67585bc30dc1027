using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Audit;

/// <summary>Deletes the entries older than <c>AUDIT_RETENTION_DAYS</c> (every copy of each).</summary>
internal sealed partial class AuditRetention(AuditLog log, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditRetention> logger)
{
    public async Task<int> CleanAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays);
        var deleted = await log.DeleteOlderThanAsync(cutoff, cancellationToken);
        if (deleted > 0)
        {
            LogDeleted(logger, deleted, cutoff);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention: deleted {Rows} rows older than {Cutoff:o}")]
    private static partial void LogDeleted(ILogger logger, int rows, DateTimeOffset cutoff);
}
