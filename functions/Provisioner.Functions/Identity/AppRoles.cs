namespace Provisioner.Functions.Identity;

/// <summary>The app roles of the API's app registration, as they arrive in the token's <c>roles</c> claim.</summary>
internal static class AppRoles
{
    public const string ClaimType = "roles";

    /// <summary>May create jobs (and act on them) and read them.</summary>
    public const string Operator = "Provisioner.Operator";

    /// <summary>May read jobs and agents.</summary>
    public const string Reader = "Provisioner.Reader";
}
