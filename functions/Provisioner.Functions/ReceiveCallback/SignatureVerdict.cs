namespace Provisioner.Functions.ReceiveCallback;

public enum SignatureVerdict
{
    Valid,
    Missing,
    Malformed,
    Mismatch,
    TimestampOutOfRange,
    LegacyDisabled,
}
