using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.AgentHealth;

/// <summary>A <c>401</c> problem with the <c>WWW-Authenticate: Bearer</c> challenge RFC 6750 asks for.</summary>
internal sealed class BearerChallenge(string detail) : IResult
{
    private readonly ProblemResult _problem = new(StatusCodes.Status401Unauthorized, "The agent key is not valid", detail);

    public string Detail => _problem.Detail;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"provisioner-agent-health\"";
        return _problem.ExecuteAsync(httpContext);
    }
}
