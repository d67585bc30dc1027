using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions;
using Provisioner.Functions.Storage;

namespace Provisioner.LocalRunner;

/// <summary>
/// What Core Tools would be locally: the same settings (local.settings.json, with environment
/// variables overriding), the same services (<see cref="ProvisionerServiceCollectionExtensions.AddProvisioner"/>),
/// the same function classes on the same triggers: HTTP routes, queue polling and timers with
/// host.json's semantics. It holds no function logic.
/// </summary>
public static partial class LocalRunnerApp
{
    public const int DefaultPort = 7071;

    /// <param name="args">Command-line arguments (ASP.NET Core style).</param>
    /// <param name="overrides">Settings that win over every other source (tests).</param>
    /// <param name="configureServices">Runs after the app's own registrations (tests replace the clock or add log capture).</param>
    /// <param name="appRoot">The folder with host.json and web/ (default: <see cref="AppRoot.Locate"/>); tests name the repository.</param>
    /// <param name="readLocalSettings">False in tests, so a developer's local.settings.json cannot change what they see.</param>
    public static WebApplication Create(
        string[] args,
        IReadOnlyDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? configureServices = null,
        string? appRoot = null,
        bool readLocalSettings = true)
    {
        var root = appRoot is null ? AppRoot.Locate() : AppRoot.At(appRoot);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = root.Path });

        // Lowest first: local.settings.json, then environment variables and arguments (already
        // added by the builder), then explicit overrides.
        if (readLocalSettings)
        {
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = root.ReadLocalSettings() });
        }
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var port = int.TryParse(builder.Configuration["PORT"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : DefaultPort;
        if (string.IsNullOrWhiteSpace(builder.Configuration["PUBLIC_BASE_URL"]))
        {
            // Locally the workflow (simulated or not) calls back to this runner.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/" });
        }

        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });

        builder.Services.AddProvisioner(builder.Configuration);
        var functions = FunctionCatalog.Discover(typeof(ProvisionerServiceCollectionExtensions).Assembly);
        var queueSettings = QueueSettings.From(root.ReadHostJson(), builder.Configuration);
        var triggers = new List<string>();
        foreach (var function in functions.Where(f => !FunctionCatalog.IsDisabled(builder.Configuration, f.Name)))
        {
            switch (function.TriggerAttribute)
            {
                case QueueTriggerAttribute queue:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueFunctionHost>(sp, function, queueSettings));
                    triggers.Add($"{function.Name}: queue {queue.QueueName} (batch {queueSettings.BatchSize}, {queueSettings.MaxDequeueCount} deliveries, then {queue.QueueName}-poison)");
                    break;
                case TimerTriggerAttribute timer:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerFunctionHost>(sp, function));
                    triggers.Add($"{function.Name}: timer {timer.Schedule}");
                    break;
            }
        }

        // Core Tools applies local.settings.json's Host.CORS; CORS_ALLOWED_ORIGINS overrides it here.
        var cors = builder.Configuration["CORS_ALLOWED_ORIGINS"] is { Length: > 0 } configured ? configured : readLocalSettings ? root.ReadCorsOrigins() : null;
        if (!string.IsNullOrWhiteSpace(cors))
        {
            builder.Services.AddCors(o => o.AddDefaultPolicy(policy =>
            {
                var origins = cors.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                _ = origins.Contains("*") ? policy.AllowAnyOrigin() : policy.WithOrigins(origins);
                policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("ETag", "Retry-After", "Location");
            }));
        }

        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        if (!string.IsNullOrWhiteSpace(cors))
        {
            app.UseCors();
        }

        // The status page (web/) at "/", as a Static Web App would serve it.
        if (Directory.Exists(root.WebPath))
        {
            var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(root.WebPath);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files, OnPrepareResponse = r => r.Context.Response.Headers.CacheControl = "no-cache" });
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
