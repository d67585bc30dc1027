using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// Where the app runs: on a developer's machine (<c>AZURE_FUNCTIONS_ENVIRONMENT=Development</c>,
/// which <c>func start</c> sets and <c>./run.sh</c> sets when it is unset) or anywhere else. Outside
/// development the app starts only safe (<see cref="HostEnvironmentOptionsValidator"/>;
/// docs/configuration.md, "Outside development").
/// </summary>
public sealed class HostEnvironmentOptions
{
    public const string EnvironmentSetting = "AZURE_FUNCTIONS_ENVIRONMENT";
    public const string Development = "Development";

    /// <summary>Set by App Service (and so by Azure Functions) on every app it runs; never by <c>func start</c> or the local runner.</summary>
    public const string SiteNameSetting = "WEBSITE_SITE_NAME";
    public const string InstanceIdSetting = "WEBSITE_INSTANCE_ID";

    [ConfigurationKeyName(EnvironmentSetting)]
    public string? Environment { get; set; }

    [ConfigurationKeyName(SiteNameSetting)]
    public string? AzureSiteName { get; set; }

    [ConfigurationKeyName(InstanceIdSetting)]
    public string? AzureInstanceId { get; set; }

    public bool RunsInAzure => !string.IsNullOrWhiteSpace(AzureSiteName) || !string.IsNullOrWhiteSpace(AzureInstanceId);

    /// <summary>Development, and not in Azure: an app that App Service runs is never development, whatever it says.</summary>
    public bool IsDevelopment => string.Equals(Environment?.Trim(), Development, StringComparison.OrdinalIgnoreCase) && !RunsInAzure;
}
