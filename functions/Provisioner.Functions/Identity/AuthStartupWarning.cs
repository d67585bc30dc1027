using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Identity;

/// <summary>Says at start, once, that nobody is asked who they are when <c>AUTH_MODE=disabled</c>.</summary>
internal sealed partial class AuthStartupWarning(IOptions<AuthOptions> options, ILogger<AuthStartupWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Mode == AuthMode.Disabled)
        {
            LogDisabled(logger, AuthOptions.ModeSetting);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting}=disabled: every API call is let through without a token. Fine on this machine; set it to entra anywhere else (docs/identity.md)")]
    private static partial void LogDisabled(ILogger logger, string setting);
}
