using System.Net;
using System.Text;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using Provisioner.Cli.Client;
using Provisioner.Cli.Client.Models;

namespace Provisioner.Cli;

/// <summary>
/// The API as the tool calls it: requests built by the client Kiota generates from
/// docs/openapi.yaml (<see cref="Client"/>), sent by the Kiota request adapter, answers read as
/// the JSON the server sent (so --output json prints it unchanged), and refusals turned into
/// <see cref="CliFailure"/> with the exit code of docs/cli.md and the problem's detail.
/// </summary>
internal sealed class ProvisionerApi : IDisposable
{
    private static readonly Dictionary<string, ParsableFactory<IParsable>> ErrorMapping = new()
    {
        ["4XX"] = Problem.CreateFromDiscriminatorValue,
        ["5XX"] = Problem.CreateFromDiscriminatorValue,
    };

    private readonly HttpClient _http;
    private readonly HttpClientRequestAdapter _adapter;

    public ProvisionerApi(Uri baseUrl, TokenSource tokens)
    {
        BaseUrl = baseUrl;
        // Kiota's handlers without its retry handler: a 429 or 503 is the caller's to see at once
        // (exit 4), not something to sit out for the length of its Retry-After.
        var handlers = KiotaClientFactory.CreateDefaultHandlers().Where(h => h is not RetryHandler).ToList();
        handlers.Add(new BearerTokenHandler(tokens));
        _http = KiotaClientFactory.Create(handlers);
        _adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: _http)
        {
            BaseUrl = baseUrl.AbsoluteUri.TrimEnd('/'),
        };
        Client = new ProvisionerApiClient(_adapter);
        // The event stream is not a request/response call: a client of its own, no time limit
        // (the server ends each stream within 220 s), the same token.
        Streams = new HttpClient(new BearerTokenHandler(tokens) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri BaseUrl { get; }

    public ProvisionerApiClient Client { get; }

    public HttpClient Streams { get; }

    /// <summary>Sends <paramref name="request"/>; the body as JSON text and the Retry-After hint (seconds) when the server gave one.</summary>
    public async Task<(string Json, TimeSpan? RetryAfter)> SendAsync(RequestInformation request, CancellationToken cancellationToken)
    {
        var headers = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        request.AddRequestOptions([headers]);
        try
        {
            await using var body = await _adapter.SendPrimitiveAsync<Stream>(request, ErrorMapping, cancellationToken);
            var json = body is null ? "" : await new StreamReader(body, Encoding.UTF8).ReadToEndAsync(cancellationToken);
            var retryAfter = headers.ResponseHeaders.TryGetValue("Retry-After", out var values)
                && int.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : (TimeSpan?)null;
            return (json, retryAfter);
        }
        catch (Problem problem)
        {
            throw Refusal(problem.ResponseStatusCode, problem.Detail ?? problem.Title);
        }
        catch (ApiException e)
        {
            throw Refusal(e.ResponseStatusCode, null);
        }
        catch (HttpRequestException e)
        {
            throw new CliFailure(ExitCodes.Failed, $"could not reach {BaseUrl}: {e.Message}");
        }
    }

    /// <summary>The exit code and message for an answer of <paramref name="status"/>.</summary>
    public static CliFailure Refusal(int status, string? detail)
    {
        var code = (HttpStatusCode)status;
        var exit = code switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests => ExitCodes.Refused,
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.RequestEntityTooLarge => ExitCodes.Usage,
            _ => ExitCodes.Failed,
        };
        var hint = code is HttpStatusCode.Unauthorized ? " (pass --token, set PROVISIONER_TOKEN, or set --scope for an Azure CLI sign-in)" : "";
        return new CliFailure(exit, $"{status} {code}: {detail ?? "the server gave no detail"}{hint}");
    }

    public void Dispose()
    {
        _http.Dispose();
        Streams.Dispose();
    }
}
