using System.Net;

namespace Provisioner.Functions.Reconcile;

/// <summary>GitHub refused to say (401, a 403 that is not a rate limit, 422, …): a retry cannot help; the message names the setting to check.</summary>
internal sealed class GitHubReadException : Exception
{
    public GitHubReadException()
    {
    }

    public GitHubReadException(string message)
        : base(message)
    {
    }

    public GitHubReadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GitHubReadException(string message, HttpStatusCode status)
        : base(message) => Status = status;

    public HttpStatusCode Status { get; }
}
