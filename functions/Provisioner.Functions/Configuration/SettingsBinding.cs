using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The one way the app reads its settings: an options class in this folder whose properties
/// carry the app setting names (<see cref="ConfigurationKeyNameAttribute"/>), bound by the
/// configuration binder and validated when the app starts. A value the binder cannot convert,
/// like a value the validator refuses, stops start-up with a message that names the setting
/// (docs/configuration.md lists them all). An empty value counts as not set: local.settings.json
/// and app settings often carry a setting with no value, and that means "the default".
/// </summary>
internal static class SettingsBinding
{
    /// <summary>Binds <typeparamref name="TOptions"/> and checks it with <typeparamref name="TValidator"/> at start.</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddSettings<TOptions>(configuration);
    }

    /// <summary>Binds <typeparamref name="TOptions"/>, a concern with no rule beyond its types, at start.</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions>(this IServiceCollection services, IConfiguration configuration)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddOptions<TOptions>()
            .Configure(options => Bind(configuration, options))
            .ValidateOnStart();
    }

    /// <summary>
    /// The settings as bound, for the few choices made while services are registered (whether a
    /// token is set, whether an exporter is configured), before any options can be resolved.
    /// Not validated: a value the binder cannot convert leaves the defaults here, and the same
    /// binding fails start-up with its message when the options are validated.
    /// </summary>
    public static TOptions Read<TOptions>(IConfiguration configuration)
        where TOptions : class, new()
    {
        var options = new TOptions();
        try
        {
            Bind(configuration, options);
            return options;
        }
        catch (OptionsValidationException)
        {
            return new TOptions();
        }
    }

    /// <summary>
    /// Another concern's settings, for a validator whose rule spans two concerns: bound by that
    /// concern's own registration, but not validated (its own validator reports its failures,
    /// once); null when they cannot be bound at all.
    /// </summary>
    public static TOptions? Configured<TOptions>(IEnumerable<IConfigureOptions<TOptions>> configure)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new TOptions();
        try
        {
            foreach (var step in configure)
            {
                step.Configure(options);
            }

            return options;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    private static void Bind<TOptions>(IConfiguration configuration, TOptions options)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
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
