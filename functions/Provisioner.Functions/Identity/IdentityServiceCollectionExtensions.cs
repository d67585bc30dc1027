using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>Who may call: people's tokens (<see cref="RequestAccess"/>) and the workflow's GitHub Actions tokens.</summary>
    public static IServiceCollection AddIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        // The issuers' metadata and keys; no request logging, as for every client of the app.
        services.AddHttpClient(OidcTokenValidator.HttpClientName, c => c.Timeout = OidcTokenValidator.FetchTimeout).RemoveAllLoggers();
        services.AddSingleton<PeopleTokens>();
        services.AddSingleton<RequestAccess>();
        services.AddHostedService<AuthStartupWarning>();

        services.AddSingleton<GitHubActionsTokens>();
        services.AddSingleton<ReceiveCallback.CallbackAuthenticator>();
        return services;
    }
}
