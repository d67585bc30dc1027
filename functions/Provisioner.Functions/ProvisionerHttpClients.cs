using Provisioner.Functions.Configuration;
using Provisioner.Functions.GitHub;
using Microsoft.Extensions.DependencyInjection;
using Octokit;
using Octokit.Internal;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Reconcile;
using Provisioner.Functions.Simulator;

namespace Provisioner.Functions;

/// <summary>
/// The app's outgoing HTTP clients, all from <see cref="IHttpClientFactory"/> (docs/telemetry.md:
/// each call is a span of the trace it is made in). No client logs its requests: a URL may carry
/// a token (notification receivers), and the app logs what a call meant itself. The notification
/// client is registered with the notifications, the issuers' client with identity.
/// </summary>
internal static class ProvisionerHttpClients
{
    /// <summary>Octokit's handler: no automatic redirects (Octokit follows them itself, and drops the token when the host changes) and compressed answers, as Octokit's default handler.</summary>
    public const string OctokitClientName = "github";

    public static IServiceCollection AddProvisionerHttpClients(this IServiceCollection services)
    {
        services.AddHttpClient(OctokitClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.All })
            .RemoveAllLoggers();
        services.AddHttpClient(GitHubRuns.HttpClientName).RemoveAllLoggers();
        // The simulated workflow stands for GitHub's runner, another process: its callbacks carry the job's traceparent, not a span of ours.
        services.AddHttpClient(SimulatedWorkflow.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15))
            .AddHttpMessageHandler(() => new Telemetry.UntracedHandler())
            .RemoveAllLoggers();
        return services;
    }

    /// <summary>
    /// Octokit over a handler from the factory: <see cref="HttpClientAdapter"/> wraps it in
    /// Octokit's own redirect handling. The adapter holds that handler for the client's life (a
    /// singleton), as Octokit's default adapter holds its own.
    /// </summary>
    public static IGitHubClient GitHubClient(IHttpMessageHandlerFactory handlers, GitHubOptions options)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        ArgumentNullException.ThrowIfNull(options);
        var connection = new Connection(
            new ProductHeaderValue("Provisioner"),
            ApiAddress(options.ApiBaseUrl),
            new InMemoryCredentialStore(new Credentials(options.Token, AuthenticationType.Bearer)),
            new HttpClientAdapter(() => handlers.CreateHandler(OctokitClientName)),
            new SimpleJsonSerializer());
        return new Octokit.GitHubClient(connection);
    }

    /// <summary>
    /// The API address as <c>new GitHubClient(header, baseAddress)</c> makes it (a
    /// <see cref="Connection"/> built by hand takes the address as given): github.com's API for
    /// github.com, else a GitHub Enterprise Server's <c>/api/v3/</c>.
    /// </summary>
    public static Uri ApiAddress(Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        return baseAddress.Host is "github.com" or "api.github.com"
            ? Octokit.GitHubClient.GitHubApiUrl
            : new Uri(baseAddress, new Uri("/api/v3/", UriKind.Relative));
    }
}
