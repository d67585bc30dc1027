using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.CreateJob;
using Provisioner.Functions.Http;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions;

public static class ProvisionerServiceCollectionExtensions
{
    /// <summary>
    /// Everything the functions need. The Functions host (Program.cs) and the local runner both
    /// call this, so they run the same code with the same settings.
    /// </summary>
    public static IServiceCollection AddProvisioner(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<CallbackSecurityOptions>()
            .Configure(o =>
            {
                o.Secret = configuration[CallbackSecurityOptions.SecretSetting];
                o.PreviousSecret = configuration[CallbackSecurityOptions.PreviousSecretSetting];
                o.AllowLegacySignature = ReadBool(configuration, CallbackSecurityOptions.AllowLegacySetting, defaultValue: true);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CallbackSecurityOptions>, CallbackSecurityOptionsValidator>();

        services.AddSingleton(_ => StorageClients.FromConfiguration(configuration));
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<DispatchQueueWriter>();
        services.AddSingleton<CallbackSignatureVerifier>();
        services.AddSingleton<StorageGuard>();
        services.AddSingleton<CallbackHandler>();
        services.AddSingleton<CreateJobHandler>();
        services.AddSingleton<StatusHandler>();
        return services;
    }

    private static bool ReadBool(IConfiguration configuration, string key, bool defaultValue)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return defaultValue;
        }

        return bool.TryParse(value, out var parsed)
            ? parsed
            : throw new OptionsValidationException(key, typeof(bool), [$"{key} must be true or false, not \"{value}\"."]);
    }
}
