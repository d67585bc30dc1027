using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>The audit log (docs/audit.md): how long its entries are kept.</summary>
public sealed class AuditOptions
{
    public const string RetentionSetting = "AUDIT_RETENTION_DAYS";
    public const int DefaultRetentionDays = 365;
    public const int MaxRetentionDays = 3650;

    /// <summary>Days an entry is kept; the daily clean-up deletes older ones.</summary>
    [ConfigurationKeyName(RetentionSetting)]
    public int RetentionDays { get; set; } = DefaultRetentionDays;
}
