namespace Provisioner.Functions.Identity;

/// <summary>
/// What an HTTP function needs from its caller, stated on the function method. The worker
/// middleware (<c>Hosting/AccessMiddleware</c>) reads it and asks <see cref="RequestAccess"/>
/// before the function runs; a function never checks a token itself. Every HTTP function
/// states one: a function without it is refused with a 500, never let through.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class AccessAttribute(Access level) : Attribute
{
    public Access Level { get; } = level;
}
