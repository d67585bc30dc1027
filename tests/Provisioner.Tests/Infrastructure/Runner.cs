using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.LocalRunner;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// The app reached over real HTTP: by default the local runner started in-process on a free
/// loopback port against a test Azurite (the app <c>./run.sh</c> starts); with
/// <see cref="BaseUrlVariable"/> set, a host started outside the tests (the runner started by
/// <c>./test.sh</c>, or <c>func start</c> in CI) with the sample settings.
/// </summary>
public sealed class Runner : IAsyncDisposable
{
    /// <summary>Points the HTTP-level tests (<see cref="HostHttpCategory"/>) at a host that is already running.</summary>
    public const string BaseUrlVariable = "PROVISIONER_TEST_BASE_URL";

    /// <summary>The trait of the tests that only talk HTTP (and read storage), so they can run against any host.</summary>
    public const string HostHttpCategory = "HostHttp";

    /// <summary>The callback secret of local.settings.sample.json (or GITHUB_CALLBACK_SECRET when set), which every host under test uses.</summary>
    public static readonly string Secret = HostSettings.Value("GITHUB_CALLBACK_SECRET") ?? throw new InvalidOperationException("local.settings.sample.json has no GITHUB_CALLBACK_SECRET");

    private readonly WebApplication? _app;
    private readonly CapturedLogs? _logs;

    private Runner(WebApplication? app, Uri address, string storageConnectionString, CapturedLogs? logs)
    {
        _app = app;
        _logs = logs;
        StorageConnectionString = storageConnectionString;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    /// <summary>True when the tests talk to a host started outside them.</summary>
    public bool IsExternal => _app is null;

    /// <summary>The storage the app uses (the test Azurite, or the external host's AzureWebJobsStorage).</summary>
    public string StorageConnectionString { get; }

    public IServiceProvider Services => (_app ?? throw InProcessOnly()).Services;

    public CapturedLogs Logs => _logs ?? throw InProcessOnly();

    /// <summary>The functions driven by queue and timer. Off unless a test asks for them, so a test that plays the workflow by hand is alone with its job.</summary>
    public static readonly IReadOnlyDictionary<string, string?> BackgroundFunctionsOff = new Dictionary<string, string?>
    {
        ["AzureWebJobs.DispatchJob.Disabled"] = "true",
        ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "true",
        ["AzureWebJobs.FailStuckJobs.Disabled"] = "true",
        ["AzureWebJobs.DeliverNotification.Disabled"] = "true",
        ["AzureWebJobs.DeadLetterPoisonedNotification.Disabled"] = "true",
        ["AzureWebJobs.SweepAgentHealth.Disabled"] = "true",
        ["AzureWebJobs.RemoveExpiredIdempotencyKeys.Disabled"] = "true",
        ["AzureWebJobs.RemoveExpiredTokenIds.Disabled"] = "true",
    };

    private static string? ExternalBaseUrl => Environment.GetEnvironmentVariable(BaseUrlVariable) is { Length: > 0 } url ? url : null;

    /// <summary>
    /// The app with local.settings.sample.json's values, the test Azurite, a free port (or
    /// <paramref name="port"/>), background functions off, then <paramref name="settings"/>.
    /// Against an external host only a test that configures nothing can run.
    /// </summary>
    /// <param name="services">Registrations of the test's own (for example a <c>StorageRequestCounter</c>), made last.</param>
    public static async Task<Runner> StartAsync(Azurite azurite, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, int? port = null, bool statusPage = false, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        if (ExternalBaseUrl is { } external)
        {
            if (settings is not null || time is not null || port is not null || statusPage || services is not null)
            {
                throw new InvalidOperationException($"This test configures the app, so it cannot run against the host at {BaseUrlVariable}; only tests in the {HostHttpCategory} category can.");
            }

            var storage = HostSettings.Value("AzureWebJobsStorage") ?? throw new InvalidOperationException("AzureWebJobsStorage is not set for the external host");
            return new Runner(null, new Uri(external.EndsWith('/') ? external : external + "/"), storage, null);
        }

        var listenOn = port ?? Azurite.FreePort();
        var overrides = new Dictionary<string, string?>(HostSettings.Sample);
        foreach (var (key, value) in BackgroundFunctionsOff)
        {
            overrides[key] = value;
        }

        overrides["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{listenOn}/";
        overrides["AzureWebJobsStorage"] = azurite.ConnectionString;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        string[] args = statusPage
            ? ["--port", listenOn.ToString(System.Globalization.CultureInfo.InvariantCulture), "--web", System.IO.Path.Combine(RepositoryRoot.Path, "web")]
            : ["--port", listenOn.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var logs = new CapturedLogs();
        var app = LocalRunnerApp.Create(
            args,
            overrides,
            registrations =>
            {
                registrations.AddSingleton<ILoggerProvider>(logs);
                if (time is not null)
                {
                    registrations.Replace(ServiceDescriptor.Singleton(time));
                }

                services?.Invoke(registrations);
            },
            appRoot: RepositoryRoot.Path,
            readLocalSettings: false);
        await app.StartAsync();
        return new Runner(app, new Uri(app.Urls.Single()), azurite.ConnectionString, logs);
    }

    private static InvalidOperationException InProcessOnly() =>
        new($"Only the in-process runner offers this; the tests at {BaseUrlVariable} see the host over HTTP only.");

    /// <summary>The routes the runner serves: (function name, methods, route template without the leading slash).</summary>
    public IReadOnlyList<(string Name, string[] Methods, string Route)> Endpoints() =>
        Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (
                e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "",
                e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Select(m => m.ToLowerInvariant()).ToArray() ?? [],
                e.RoutePattern.RawText!.TrimStart('/')))
            .ToList();

    public TableClient Table(string name) => new TableServiceClient(StorageConnectionString).GetTableClient(name);

    public async Task<(HttpResponseMessage Response, JsonElement Body)> CreateJobAsync(string agentId, string region = "eu-central", string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(new { agent_id = agentId, region }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await Client.SendAsync(request);
        return (response, await ReadJsonAsync(response));
    }

    public async Task<Guid> NewJobAsync(string? agentId = null)
    {
        var (response, body) = await CreateJobAsync(agentId ?? NewAgentId());
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return body.GetProperty("job_id").GetGuid();
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetJobAsync(Guid jobId)
    {
        var response = await Client.GetAsync(new Uri($"/api/jobs/{jobId}", UriKind.Relative));
        return (response, await ReadJsonAsync(response));
    }

    public Task<HttpResponseMessage> SendLegacyAsync(string body, string? secret = null) =>
        SendRawAsync(Encoding.UTF8.GetBytes(body), ("X-Signature", Signing.Legacy(secret ?? Secret, Encoding.UTF8.GetBytes(body))));

    public Task<HttpResponseMessage> SendStandardAsync(string body, string? webhookId = null, DateTimeOffset? at = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var id = webhookId ?? "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return SendRawAsync(bytes, ("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", Signing.StandardWebhooks(Secret, id, timestamp, bytes)));
    }

    public async Task<HttpResponseMessage> SendRawAsync(byte[] body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request);
    }

    public static string NewAgentId() => "agent-" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
