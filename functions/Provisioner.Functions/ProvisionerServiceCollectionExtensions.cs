using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.CreateJob;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Health;
using Provisioner.Functions.Http;
using Provisioner.Functions.Notifications;
using Provisioner.Functions.Identity;
using Provisioner.Functions.Lifecycle;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Functions.Reconcile;
using Provisioner.Functions.Simulator;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;
using Provisioner.Functions.Telemetry;
using Provisioner.Functions.TimeOuts;
using Provisioner.Functions.GitHub;

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

        services.AddProvisionerSettings(configuration);

        // host.json sits beside the app's assembly on the Functions host; the local runner registers the one it serves first.
        services.TryAddSingleton(_ => QueueHostSettings.Load(AppContext.BaseDirectory, configuration));
        services.AddSingleton(sp => StorageClients.From(sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<QueueHostSettings>(), sp.GetService<StorageRequestCounter>()));
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<AgentStore>();
        services.AddSingleton<IdempotencyKeys>();
        services.AddSingleton<UsedTokens>();
        services.AddSingleton<InFlightIndex>();
        services.AddSingleton<JobIndex>();
        services.AddSingleton<DispatchQueueWriter>();
        services.AddSingleton<JobIntake>();
        services.AddSingleton<CallbackSignatureVerifier>();
        services.AddSingleton<CallbackCompletion>();
        services.AddSingleton<CallbackHandler>();
        services.AddSingleton<NewJobs>();
        services.AddSingleton<CreateJobHandler>();
        services.AddSingleton<StatusReader>();
        services.AddSingleton<StatusHandler>();
        services.AddSingleton<EventStreams>(); // the job event streams (docs/events.md): bounded per instance
        services.AddSingleton<JobEventsHandler>();
        services.AddSingleton<HealthHandler>();
        services.AddSingleton<JobLister>();
        services.AddSingleton<JobListHandler>();
        services.AddSingleton<CancelHandler>();
        services.AddSingleton<CancelRunHandler>();
        services.AddSingleton<CancelResend>();
        services.AddSingleton<RetryHandler>();

        // Tear down (docs/lifecycle.md, "Tear down").
        services.AddSingleton<Teardown.ServerRemoval>();
        services.AddSingleton<Teardown.TeardownHandler>();
        services.AddSingleton<Teardown.SweepTearDowns>();
        services.AddSingleton<Teardown.HoldExpiry>();

        // Quotas per person (docs/quotas.md).
        services.AddSingleton<Quotas.QuotaStore>();
        services.AddSingleton<Quotas.QuotaGate>();
        services.AddSingleton<ICreateAdmission>(sp => sp.GetRequiredService<Quotas.QuotaGate>());
        services.AddSingleton<Quotas.QuotaRelease>();

        // The audit log (docs/audit.md): AuditMiddleware records, GET /api/audit reads, a timer cleans up.
        services.AddSingleton<Audit.AuditLog>();
        services.AddSingleton<Audit.AuditListHandler>();
        services.AddSingleton<Audit.AuditRetention>();
        services.AddSingleton<Audit.AuditMiddleware>();
        services.AddSingleton<Audit.AuditTrail>();
        services.AddSingleton<IJobWriteParticipant>(sp => sp.GetRequiredService<Audit.AuditTrail>()); // a person's change and its entry in one transaction

        // What servers cost (docs/cost.md).
        services.AddSingleton<Cost.CostFollowUp>();

        // Lifetimes (docs/lifetime.md).
        services.AddSingleton<Lifetime.ExtendServerHandler>();
        services.AddSingleton<Lifetime.ServerExpiry>();

        services.AddProvisionerHttpClients();
        AddDispatch(services, configuration);

        services.AddSingleton<TimeoutSweeper>();
        services.AddSingleton<ReleaseFollowUps>();

        AddNotifications(services, configuration);
        services.AddProvisionerTelemetry(configuration);
        services.AddAgentHealth(configuration);
        // Reconciliation with GitHub (docs/reconcile.md); IWorkflowRuns exists only with a token (AddDispatch).
        services.AddSingleton<ReconcileStateStore>();
        services.AddSingleton<RunReconciler>();
        services.AddSingleton<ReconcileWatch>();

        // Step timings and the estimate (docs/step-timing.md).
        services.AddSingleton<Timing.StepTimings>();
        services.AddSingleton<Timing.StepStatistics>(); // and the statistics of finished runs
        services.AddSingleton<Timing.StepStatsHandler>();
        AddIdentity(services, configuration);
        AddFollowUps(services);
        return services;
    }

    /// <summary>
    /// Who may call: people's tokens (<see cref="RequestAccess"/>) and the workflow's GitHub Actions
    /// tokens. Registered here rather than in Identity/, which would then have to know the callback
    /// path (CallbackAuthenticator) and the settings binding: composition is the root's job.
    /// </summary>
    private static void AddIdentity(IServiceCollection services, IConfiguration configuration)
    {
        // The issuers' metadata and keys; no request logging, as for every client of the app.
        services.AddHttpClient(OidcTokenValidator.HttpClientName, c => c.Timeout = OidcTokenValidator.FetchTimeout).RemoveAllLoggers();
        services.AddSingleton<PeopleTokens>();
        services.AddSingleton<RequestAccess>();
        services.AddHostedService<AuthStartupWarning>();

        services.AddSingleton<GitHubActionsTokens>();
        services.AddSingleton<CallbackAuthenticator>();
        services.AddSingleton<DispatchedRunCheck>();
    }

    /// <summary>
    /// Who follows a change of a job (docs/architecture.md, "Observers"), in the order they run.
    /// After the commit (<see cref="IJobObserver"/>): the step timings, the server-removal mark,
    /// agent health, <c>job.stalled</c> for a run waiting for a runner. In the time-out sweep
    /// (<see cref="IInFlightWatcher"/>): GitHub's word first, then a cancel that never got through, then the notifications, the
    /// hold and lifetime ends, an audit entry not copied yet, then the follow-ups of a job let go.
    /// In the transaction: the outbox (AddNotifications) and the audit entry (Audit/AuditTrail).
    /// </summary>
    private static void AddFollowUps(IServiceCollection services)
    {
        services.AddSingleton<JobChanges>();
        services.AddSingleton<NotificationWatch>();
        services.AddSingleton<IJobObserver>(sp => sp.GetRequiredService<Timing.StepTimings>());
        services.AddSingleton<IJobObserver>(sp => sp.GetRequiredService<Timing.StepStatistics>());
        services.AddSingleton<IJobObserver>(sp => sp.GetRequiredService<Teardown.ServerRemoval>());
        services.AddSingleton<IJobObserver>(sp => sp.GetRequiredService<Cost.CostFollowUp>()); // after the removal mark: the final cost
        services.AddSingleton<IJobObserver>(sp => sp.GetRequiredService<Quotas.QuotaRelease>()); // a server gone stops counting
        services.AddSingleton<IJobObserver>(sp => sp.GetRequiredService<HealthEnrollment>());
        services.AddSingleton<IJobObserver>(sp => sp.GetRequiredService<NotificationWatch>());

        services.AddSingleton<IInFlightWatcher>(sp => sp.GetRequiredService<ReconcileWatch>());
        services.AddSingleton<IInFlightWatcher>(sp => sp.GetRequiredService<CancelResend>()); // after GitHub's word: a run known to have ended needs no cancel
        services.AddSingleton<IInFlightWatcher>(sp => sp.GetRequiredService<NotificationWatch>());
        services.AddSingleton<IInFlightWatcher>(sp => sp.GetRequiredService<Teardown.HoldExpiry>()); // a held job is let go once its hold ends
        services.AddSingleton<IInFlightWatcher>(sp => sp.GetRequiredService<Lifetime.ServerExpiry>()); // a server with an end is watched until it ends
        services.AddSingleton<IInFlightWatcher>(sp => sp.GetRequiredService<Audit.AuditTrail>()); // an audit entry not copied yet (asked of a job that has ended)
        services.AddSingleton<IInFlightWatcher>(sp => sp.GetRequiredService<ReleaseFollowUps>()); // last: the job is let go
    }

    private static void AddNotifications(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<NotificationOutbox>();
        services.AddSingleton<IJobWriteParticipant>(sp => sp.GetRequiredService<NotificationOutbox>()); // its rows go in the job's transaction
        services.AddSingleton<NotificationDelivery>();

        // Registered before AddAgentHealth, whose no-op default is only a TryAdd.
        services.AddSingleton<AgentHealth.IAgentHealthEvents, AgentHealthNotifications>();

        // No redirects: a signed event goes to the configured URL only. No request logging: the URL may carry a token.
        services.AddHttpClient(NotificationDelivery.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
    }

    private static void AddDispatch(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<DispatchHandler>();

        // Which dispatcher is registered depends on whether a token is set: decided here, from the
        // settings as bound; they are validated with the rest at start.
        if (!SettingsBinding.Read<GitHubOptions>(configuration).UsesGitHub)
        {
            services.AddSingleton<SimulatedWorkflow>();
            services.AddSingleton<IWorkflowDispatcher>(sp => sp.GetRequiredService<SimulatedWorkflow>());
            services.AddSingleton<IWorkflowRunCanceller>(sp => sp.GetRequiredService<SimulatedWorkflow>());
            services.AddHostedService(sp => sp.GetRequiredService<SimulatedWorkflow>());
            return;
        }

        services.AddSingleton(sp => ProvisionerHttpClients.GitHubClient(
            sp.GetRequiredService<IHttpMessageHandlerFactory>(),
            sp.GetRequiredService<IOptions<GitHubOptions>>().Value));
        // Polly's own telemetry logs each retry (with its exception) through the app's logging.
        services.AddResiliencePipeline(GitHubResilience.PipelineName, (builder, context) =>
            GitHubResilience.Configure(
                builder,
                context.ServiceProvider.GetRequiredService<IOptions<DispatchOptions>>().Value,
                context.ServiceProvider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IWorkflowDispatcher, GitHubWorkflowDispatcher>();
        services.AddSingleton<IWorkflowRuns, GitHubRuns>();
        services.AddSingleton<IWorkflowRunCanceller, GitHubRunCanceller>();
    }
}
