using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>The agent's own credential and how its health reports are judged (docs/agent-health.md).</summary>
public sealed class AgentHealthOptions
{
    public const string KeySecretSetting = "AGENT_KEY_SECRET";
    public const string SilenceSetting = "HEALTH_SILENCE_MINUTES";

    /// <summary>
    /// The server secret agent keys are derived from (<c>whsec_</c> + base64, like the callback
    /// secret). Not required to start: without it claims carry no key and every report is
    /// refused, so provisioning still works and health fails closed.
    /// </summary>
    [ConfigurationKeyName(KeySecretSetting)]
    public string? KeySecret { get; set; }

    /// <summary>How many minutes a running agent may go without a report before it is unreachable; fractions allowed.</summary>
    [ConfigurationKeyName(SilenceSetting)]
    public double SilenceMinutes { get; set; } = 5;

    public TimeSpan Silence => TimeSpan.FromMinutes(SilenceMinutes);

    /// <summary>An agent reports every 60 s; more often than this is refused with 429.</summary>
    public static TimeSpan MinInterval { get; } = TimeSpan.FromSeconds(10);
}
