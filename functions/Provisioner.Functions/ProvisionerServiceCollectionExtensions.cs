using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Octokit;
using Polly;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.CreateJob;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Http;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Functions.Simulator;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;
using Provisioner.Functions.TimeOuts;

namespace Provisioner.Functions;

public static partial class ProvisionerServiceCollectionExtensions
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
                o.AllowLegacySignature = Settings.Bool(configuration, CallbackSecurityOptions.AllowLegacySetting, defaultValue: true);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CallbackSecurityOptions>, CallbackSecurityOptionsValidator>();

        // host.json sits beside the app's assembly on the Functions host; the local runner registers the one it serves first.
        services.TryAddSingleton(_ => QueueHostSettings.Load(AppContext.BaseDirectory, configuration));
        services.AddSingleton(sp => StorageClients.FromConfiguration(configuration, sp.GetRequiredService<QueueHostSettings>()));
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<DispatchQueueWriter>();
        services.AddSingleton<CallbackSignatureVerifier>();
        services.AddSingleton<StorageGuard>();
        services.AddSingleton<CallbackHandler>();
        services.AddSingleton<CreateJobHandler>();
        services.AddSingleton<StatusHandler>();

        AddDispatch(services, configuration);

        services.AddOptions<TimeoutOptions>().Configure(o =>
            o.Silence = TimeSpan.FromMinutes(Settings.Number(configuration, TimeoutOptions.SilenceSetting, o.Silence.TotalMinutes)));
        services.AddSingleton<TimeoutSweeper>();
        return services;
    }

    private static void AddDispatch(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DispatchOptions>()
            .Configure(o =>
            {
                o.Token = Settings.Text(configuration, DispatchOptions.TokenSetting);
                o.Owner = Settings.Text(configuration, DispatchOptions.OwnerSetting);
                o.Repo = Settings.Text(configuration, DispatchOptions.RepoSetting);
                o.Workflow = Settings.Text(configuration, DispatchOptions.WorkflowSetting, o.Workflow)!;
                o.Ref = Settings.Text(configuration, DispatchOptions.RefSetting, o.Ref)!;
                o.ApiUrl = Settings.BaseUrl(configuration, DispatchOptions.ApiUrlSetting, o.ApiUrl.AbsoluteUri)!;
                o.PublicBaseUrl = Settings.BaseUrl(configuration, DispatchOptions.PublicBaseUrlSetting);
                o.ReturnRunDetails = Settings.Bool(configuration, DispatchOptions.ReturnRunDetailsSetting, o.ReturnRunDetails);
                o.RetryAttempts = Settings.WholeNumber(configuration, DispatchOptions.RetryAttemptsSetting, o.RetryAttempts);
                o.RetryBaseDelay = TimeSpan.FromSeconds(Settings.Number(configuration, DispatchOptions.RetryBaseDelaySetting, o.RetryBaseDelay.TotalSeconds));
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>();
        services.AddSingleton<DispatchHandler>();

        if (string.IsNullOrWhiteSpace(configuration[DispatchOptions.TokenSetting]))
        {
            services.AddOptions<SimulatorOptions>()
                .Configure(o =>
                {
                    o.StepDelay = TimeSpan.FromMilliseconds(Settings.Number(configuration, SimulatorOptions.StepDelaySetting, o.StepDelay.TotalMilliseconds));
                    o.FailAt = Settings.Text(configuration, SimulatorOptions.FailAtSetting);
                })
                .Validate(o => o.FailAt is null or "provision" or "install" or "configure", $"{SimulatorOptions.FailAtSetting} must be empty, provision, install or configure.")
                .ValidateOnStart();
            services.AddSingleton<SimulatedWorkflow>();
            services.AddSingleton<IWorkflowDispatcher>(sp => sp.GetRequiredService<SimulatedWorkflow>());
            services.AddHostedService(sp => sp.GetRequiredService<SimulatedWorkflow>());
            return;
        }

        services.AddSingleton<IGitHubClient>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DispatchOptions>>().Value;
            var client = new GitHubClient(new ProductHeaderValue("Provisioner"), o.ApiUrl)
            {
                Credentials = new Credentials(o.Token, AuthenticationType.Bearer),
            };
            client.SetRequestTimeout(o.AttemptTimeout);
            return client;
        });
        services.AddResiliencePipeline(GitHubResilience.PipelineName, (builder, context) =>
        {
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GitHubResilience));
            GitHubResilience.Configure(
                builder,
                context.ServiceProvider.GetRequiredService<IOptions<DispatchOptions>>().Value,
                context.ServiceProvider.GetRequiredService<TimeProvider>(),
                args => LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, args.Outcome.Exception?.GetType().Name, args.Outcome.Exception?.Message));
        });
        services.AddSingleton<IWorkflowDispatcher, GitHubWorkflowDispatcher>();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "GitHub dispatch attempt {Attempt} failed ({ExceptionType}: {Reason}); retrying in {DelaySeconds:0.#} s")]
    private static partial void LogRetry(ILogger logger, int attempt, double delaySeconds, string? exceptionType, string? reason);
}
