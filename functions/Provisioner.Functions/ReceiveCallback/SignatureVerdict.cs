namespace Provisioner.Functions.ReceiveCallback;

internal enum SignatureVerdict
{
    Valid,
    Missing,
    Malformed,
    Mismatch,
    TimestampOutOfRange,
    LegacyDisabled,
}
