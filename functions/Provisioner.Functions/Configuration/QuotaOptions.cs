using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>Quotas per person (docs/quotas.md); unset: none.</summary>
public sealed class QuotaOptions
{
    public const string ServersSetting = "QUOTA_SERVERS_PER_PERSON";
    public const string CreatesSetting = "QUOTA_CREATES_PER_HOUR_PER_PERSON";
    public const int Max = 500; // a counter row keeps one entry per held server or create of the hour: 500 fit in one property many times over

    /// <summary>Servers one person may hold at once (in flight, running or held, not yet removed).</summary>
    [ConfigurationKeyName(ServersSetting)]
    public int? ServersPerPerson { get; set; }

    /// <summary>Creates one person may make in any hour.</summary>
    [ConfigurationKeyName(CreatesSetting)]
    public int? CreatesPerHourPerPerson { get; set; }
}
