namespace Provisioner.Cli;

/// <summary>Puts the token of <see cref="TokenSource"/> on every request (the generated client's and the event stream's).</summary>
internal sealed class BearerTokenHandler(TokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = await tokens.HeaderAsync(cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}
