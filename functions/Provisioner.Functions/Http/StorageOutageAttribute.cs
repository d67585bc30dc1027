namespace Provisioner.Functions.Http;

/// <summary>
/// What an HTTP function's <c>503</c> says when storage cannot be reached: the worker middleware
/// (<c>Hosting/StorageOutageMiddleware</c>) turns a storage outage into <c>503</c> +
/// <c>Retry-After</c> with this detail instead of a 500. A function without it answers
/// <see cref="ReadRetry"/>, which fits every read.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class StorageOutageAttribute(string detail) : Attribute
{
    public const string ReadRetry = "The job store cannot be reached right now; retry after the time in Retry-After.";

    public string Detail { get; } = detail;
}
