using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The one way the app reads its settings: an options class whose properties carry the app
/// setting names (<see cref="ConfigurationKeyNameAttribute"/>), bound by the configuration
/// binder and validated when the app starts. A value the binder cannot convert, like a value
/// the validator refuses, stops start-up with a message that names the setting
/// (docs/configuration.md lists them). An empty value counts as not set: local.settings.json
/// and app settings often carry a setting with no value, and that means "the default".
/// </summary>
public static class SettingsBinding
{
    public static OptionsBuilder<TOptions> AddSettings<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>()
            .Configure(options => Bind(configuration, options))
            .ValidateOnStart();
    }

    private static void Bind<TOptions>(IConfiguration configuration, TOptions options)
        where TOptions : class
    {
        var set = new ConfigurationBuilder()
            .AddInMemoryCollection(configuration.AsEnumerable().Where(kv => !string.IsNullOrWhiteSpace(kv.Value)))
            .Build();
        try
        {
            set.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the setting ("… at 'JOB_TIMEOUT_MINUTES' to type 'System.Double'").
            throw new OptionsValidationException(typeof(TOptions).Name, typeof(TOptions), [$"{e.Message} Give that setting a value of that type, or remove it to use the default."]);
        }
    }
}
