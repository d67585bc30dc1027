using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.Identity;

/// <summary>The validator for people's tokens (<c>AUTH_AUTHORITY</c>, <c>AUTH_AUDIENCE</c>); made when first needed, so with auth disabled nothing is fetched.</summary>
internal sealed class PeopleTokens(IOptions<AuthOptions> options, IHttpClientFactory clients)
{
    private readonly Lazy<OidcTokenValidator> _validator = new(() =>
        new OidcTokenValidator(
            options.Value.Authority ?? throw new InvalidOperationException($"{AuthOptions.AuthoritySetting} is not set."),
            options.Value.Audiences,
            OidcTokenValidator.Client(clients)));

    public Task<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken) =>
        _validator.Value.ValidateAsync(token, cancellationToken);
}
