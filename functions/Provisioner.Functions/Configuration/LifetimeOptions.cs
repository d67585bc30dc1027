using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>The lifetime of a server (docs/lifetime.md): the default a job gets and when its end is warned of.</summary>
public sealed class LifetimeOptions
{
    public const string DefaultTtlSetting = "DEFAULT_TTL_MINUTES";
    public const string WarningSetting = "EXPIRY_WARNING_MINUTES";

    /// <summary>The longest lifetime, as for a request's <c>ttl_minutes</c>: 30 days.</summary>
    public const int MaxMinutes = 43200;

    /// <summary>Whole minutes, counted from Running, a job created without <c>ttl_minutes</c> keeps its server; unset: no end.</summary>
    [ConfigurationKeyName(DefaultTtlSetting)]
    public int? DefaultTtlMinutes { get; set; }

    /// <summary>Whole minutes before the end that the one <c>agent.expiring</c> notification goes out; 0 sends none.</summary>
    [ConfigurationKeyName(WarningSetting)]
    public int ExpiryWarningMinutes { get; set; } = 60;
}
