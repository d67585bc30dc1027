using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.LocalRunner;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// The local runner started in-process on a free loopback port against a test Azurite: the
/// same app <c>./run.sh</c> starts, reached over real HTTP.
/// </summary>
public sealed class Runner : IAsyncDisposable
{
    public const string Secret = "test-secret";

    private readonly WebApplication _app;

    private Runner(WebApplication app, Azurite azurite, CapturedLogs logs)
    {
        _app = app;
        Azurite = azurite;
        Logs = logs;
        var address = app.Urls.Single();
        Client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;
    public Azurite Azurite { get; }
    public CapturedLogs Logs { get; }

    /// <summary>The functions driven by queue and timer. Off unless a test asks for them, so a test that plays the workflow by hand is alone with its job.</summary>
    public static readonly IReadOnlyDictionary<string, string?> BackgroundFunctionsOff = new Dictionary<string, string?>
    {
        ["AzureWebJobs.DispatchJob.Disabled"] = "true",
        ["AzureWebJobs.FailPoisonedDispatch.Disabled"] = "true",
        ["AzureWebJobs.FailStuckJobs.Disabled"] = "true",
    };

    public static async Task<Runner> StartAsync(Azurite azurite, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var port = Azurite.FreePort();
        var overrides = new Dictionary<string, string?>(BackgroundFunctionsOff)
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}/",
            ["GITHUB_TOKEN"] = "",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["GITHUB_CALLBACK_SECRET"] = Secret,
            ["GITHUB_CALLBACK_SECRET_PREVIOUS"] = "",
            ["CALLBACK_ALLOW_LEGACY_SIGNATURE"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var logs = new CapturedLogs();
        var app = LocalRunnerApp.Create(
            [],
            overrides,
            services =>
            {
                services.AddSingleton<ILoggerProvider>(logs);
                if (time is not null)
                {
                    services.Replace(ServiceDescriptor.Singleton(time));
                }
            },
            appRoot: RepositoryRoot.Path,
            readLocalSettings: false);
        await app.StartAsync();
        return new Runner(app, azurite, logs);
    }

    /// <summary>The routes the runner serves: (function name, methods, route template without the leading slash).</summary>
    public IReadOnlyList<(string Name, string[] Methods, string Route)> Endpoints() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (
                e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "",
                e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Select(m => m.ToLowerInvariant()).ToArray() ?? [],
                e.RoutePattern.RawText!.TrimStart('/')))
            .ToList();

    public TableClient Table(string name) => new TableServiceClient(Azurite.ConnectionString).GetTableClient(name);

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
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
