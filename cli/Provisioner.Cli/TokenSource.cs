using System.Net.Http.Headers;
using Azure.Core;
using Azure.Identity;

namespace Provisioner.Cli;

/// <summary>
/// The bearer token for every request: --token or PROVISIONER_TOKEN as given; else, with a
/// scope (--scope or PROVISIONER_SCOPE, the API's application ID URI + "/.default"), a token of
/// the Azure CLI's signed-in account; else none (a backend with AUTH_MODE=disabled).
/// </summary>
internal sealed class TokenSource
{
    private readonly string? _token;
    private readonly string? _scope;
    private readonly TokenCredential? _credential;
    private AccessToken? _cached;

    private TokenSource(string? token, string? scope, TokenCredential? credential)
    {
        _token = token;
        _scope = scope;
        _credential = credential;
    }

    public static TokenSource Create(string? token, string? scope) =>
        token is { Length: > 0 } ? new TokenSource(token, null, null)
        : scope is { Length: > 0 } ? new TokenSource(null, scope, new AzureCliCredential())
        : new TokenSource(null, null, null);

    public async Task<AuthenticationHeaderValue?> HeaderAsync(CancellationToken cancellationToken)
    {
        if (_token is not null)
        {
            return new AuthenticationHeaderValue("Bearer", _token);
        }

        if (_credential is null)
        {
            return null;
        }

        if (_cached is not { } cached || cached.ExpiresOn <= DateTimeOffset.UtcNow.AddMinutes(2))
        {
            try
            {
                _cached = cached = await _credential.GetTokenAsync(new TokenRequestContext([_scope!]), cancellationToken);
            }
            catch (AuthenticationFailedException e)
            {
                throw new CliFailure(ExitCodes.Refused, $"could not get a token for {_scope} from the Azure CLI (run `az login`, or pass --token): {e.Message}");
            }
        }

        return new AuthenticationHeaderValue("Bearer", cached.Token);
    }
}
