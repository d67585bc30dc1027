namespace Provisioner.Functions.ReceiveCallback;

/// <summary>The result of checking a callback's signature, with what a sender needs to fix it.</summary>
internal readonly record struct SignatureCheck(SignatureVerdict Verdict, SignatureScheme? Scheme, string? WebhookId, string Detail)
{
    public bool IsValid => Verdict == SignatureVerdict.Valid;
}
