namespace Provisioner.Functions.Identity;

/// <summary>What an HTTP function needs from its caller. Each function names its own; <see cref="RequestAccess"/> enforces it.</summary>
internal enum Access
{
    /// <summary>No person's token: health, and the routes that prove the caller another way (the callback webhook).</summary>
    Open,

    /// <summary>A token with <see cref="AppRoles.Reader"/> or <see cref="AppRoles.Operator"/>.</summary>
    Reader,

    /// <summary>What <see cref="Reader"/> allows, or the reaper's run token (<see cref="AppRoles.Reaper"/>): listing and reading jobs.</summary>
    JobReader,

    /// <summary>A token with <see cref="AppRoles.Operator"/>.</summary>
    Operator,
}
