namespace Provisioner.Functions.Configuration;

/// <summary>Who may call the API (<c>AUTH_MODE</c>).</summary>
public enum AuthMode
{
    /// <summary>Every call is let through: the local sample's value, refused when the app runs in Azure.</summary>
    Disabled,

    /// <summary>Every route but the open ones needs a bearer token from <c>AUTH_AUTHORITY</c> for <c>AUTH_AUDIENCE</c>.</summary>
    Entra,
}
