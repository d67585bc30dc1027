using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions;
using Provisioner.Functions.Storage;

namespace Provisioner.LocalRunner;

/// <summary>
/// What Core Tools would be locally: the same settings (local.settings.json, with environment
/// variables overriding), the same services and worker middleware (<see cref="ProvisionerHosting.UseProvisioner"/>),
/// the same function classes on the same triggers: HTTP routes, queue polling and timers with
/// host.json's semantics. It holds no function logic and adds no setting or default the host
/// would not: whatever a local run needs beyond the host's behaviour (the status page, a port
/// other than 7071) is asked for on the command line, as <c>run.sh</c> does.
/// </summary>
public static partial class LocalRunnerApp
{
    /// <summary>Core Tools' port when neither <c>--port</c> nor local.settings.json's <c>Host.LocalHttpPort</c> names one.</summary>
    public const int DefaultPort = 7071;

    /// <param name="args">The command line (<see cref="RunnerArguments"/>).</param>
    /// <param name="overrides">Settings that win over every other source (tests).</param>
    /// <param name="configureServices">Runs after the app's own registrations (tests replace the clock or add log capture).</param>
    /// <param name="appRoot">The folder with host.json (default: <see cref="AppRoot.Locate"/>); tests name the repository.</param>
    /// <param name="readLocalSettings">False in tests, so a developer's local.settings.json cannot change what they see.</param>
    public static WebApplication Create(
        string[] args,
        IReadOnlyDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? configureServices = null,
        string? appRoot = null,
        bool readLocalSettings = true)
    {
        var arguments = RunnerArguments.Parse(args);
        var root = appRoot is null ? AppRoot.Locate() : AppRoot.At(appRoot);
        // No configuration reload: the Functions host reads its settings once at start, and a
        // watcher on the content root (the repository, node_modules included) costs an inotify
        // watch per folder, which parallel test runners exhaust.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = root.Path,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });

        // Lowest first: local.settings.json, then environment variables (already added by the
        // builder), then explicit overrides.
        if (readLocalSettings)
        {
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = root.ReadLocalSettings() });
        }
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var port = arguments.Port
            ?? (readLocalSettings && int.TryParse(root.ReadHostSetting("LocalHttpPort"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : DefaultPort);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });

        var queueSettings = QueueHostSettings.From(root.ReadHostJson(), builder.Configuration);
        builder.Services.AddSingleton(queueSettings);
        // The app's one registration point, as Program.cs calls it on the Functions host: its
        // services and its worker middleware, run here around every invocation (docs/functions-host.md).
        var worker = new LocalWorkerApplicationBuilder(builder.Services);
        worker.UseProvisioner(builder.Configuration);
        builder.Services.AddSingleton(new FunctionPipeline(worker.Build()));
        var functions = FunctionCatalog.Discover(typeof(ProvisionerServiceCollectionExtensions).Assembly);
        var driven = new List<DrivenTrigger>();
        var triggers = new List<string>();
        foreach (var function in functions.Where(f => !FunctionCatalog.IsDisabled(builder.Configuration, f.Name)))
        {
            switch (function.TriggerAttribute)
            {
                case QueueTriggerAttribute queue:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueFunctionHost>(sp, function, queueSettings));
                    driven.Add(new DrivenTrigger(function.Name, "queueTrigger", queue.QueueName, queue.Connection ?? StorageClients.Setting, null));
                    triggers.Add($"{function.Name}: queue {queue.QueueName} (batch {queueSettings.BatchSize}, {queueSettings.MaxDequeueCount} deliveries, then {queue.QueueName}-poison, {queueSettings.MessageEncoding} messages)");
                    break;
                case TimerTriggerAttribute timer:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerFunctionHost>(sp, function));
                    driven.Add(new DrivenTrigger(function.Name, "timerTrigger", null, null, timer.Schedule));
                    triggers.Add($"{function.Name}: timer {timer.Schedule}");
                    break;
            }
        }

        builder.Services.AddSingleton<IReadOnlyList<DrivenTrigger>>(driven);

        // As Core Tools: --cors, else local.settings.json's Host.CORS. The app sets the headers it
        // exposes across origins itself, as it must on the host.
        var cors = arguments.Cors ?? (readLocalSettings ? root.ReadHostSetting("CORS") : null);
        if (!string.IsNullOrWhiteSpace(cors))
        {
            builder.Services.AddCors(o => o.AddDefaultPolicy(policy =>
            {
                var origins = cors.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                _ = origins.Contains("*") ? policy.AllowAnyOrigin() : policy.WithOrigins(origins);
                policy.AllowAnyHeader().AllowAnyMethod();
            }));
        }

        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        if (!string.IsNullOrWhiteSpace(cors))
        {
            app.UseCors();
        }

        // The status page at "/", as a Static Web App would serve it: only when asked for.
        if (arguments.WebRoot is { } web)
        {
            var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetFullPath(web));
            var headers = StaticWebAppHeaders.Read(Path.Combine(files.Root, StaticWebAppHeaders.FileName));
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                OnPrepareResponse = r =>
                {
                    r.Context.Response.Headers.CacheControl = "no-cache";
                    foreach (var (name, value) in headers)
                    {
                        r.Context.Response.Headers[name] = value; // the CSP and the rest, as the Static Web App sends them
                    }
                },
            });
            triggers.Add($"status page: {files.Root} at /");
        }

        triggers.AddRange(app.MapHttpFunctions(functions, root.RoutePrefix()));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Provisioner.LocalRunner");
        foreach (var line in triggers)
        {
            LogMapped(logger, line);
        }

        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Function {Function}")]
    private static partial void LogMapped(ILogger logger, string function);
}
