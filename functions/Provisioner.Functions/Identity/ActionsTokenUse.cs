namespace Provisioner.Functions.Identity;

/// <summary>A token's id (<c>jti</c>) and expiry (<c>exp</c>): what its single use is kept by, and until when.</summary>
internal sealed record ActionsTokenUse(string TokenId, DateTimeOffset ExpiresAt);
