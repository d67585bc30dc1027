using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.AgentHealth;

/// <summary>The agent keys of the configured <c>AGENT_KEY_SECRET</c>; null when it is not set (no key is issued, every report is refused).</summary>
internal sealed class AgentKeyRing(IOptions<AgentHealthOptions> options)
{
    private readonly Lazy<AgentKeys?> _keys = new(() =>
        string.IsNullOrWhiteSpace(options.Value.KeySecret) ? null
        : AgentKeys.TryCreate(options.Value.KeySecret, out var keys, out _) ? keys
        : null);

    public AgentKeys? Current => _keys.Value;
}
