namespace Provisioner.Functions.Identity;

/// <summary>The app roles of the API's app registration, as they arrive in the token's <c>roles</c> claim.</summary>
internal static class AppRoles
{
    public const string ClaimType = "roles";

    /// <summary>May create jobs (and act on them) and read them.</summary>
    public const string Operator = "Provisioner.Operator";

    /// <summary>May read jobs and agents.</summary>
    public const string Reader = "Provisioner.Reader";

    /// <summary>
    /// Not an app role of the registration: held only by a run of the reaper workflow, proven by its
    /// GitHub Actions ID token (<see cref="GitHubActionsTokens.ValidateReaperAsync"/>). Lists and reads jobs, nothing else.
    /// </summary>
    public const string Reaper = "Provisioner.Reaper";

    /// <summary>The delegated scope of the API (<c>oauth2PermissionScopes</c>): a token a person's client got on their behalf carries it in <c>scp</c>.</summary>
    public const string Scope = "access_as_user";

    /// <summary>
    /// The roles whose <c>allowedMemberTypes</c> include <c>Application</c> in the registration
    /// (docs/deploy.md): the only ones an app-only token (client credentials) is let in with.
    /// </summary>
    public static readonly IReadOnlySet<string> ForApplications = new HashSet<string>(StringComparer.Ordinal) { Operator, Reader };
}
