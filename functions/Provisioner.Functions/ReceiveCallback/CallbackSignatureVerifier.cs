using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>
/// Checks a callback's signature over the raw body bytes, against every configured secret
/// (rotation), comparing MACs in constant time. Standard Webhooks headers, when present, are
/// the only scheme considered: a request cannot fall back to the weaker legacy scheme.
/// </summary>
internal sealed class CallbackSignatureVerifier
{
    public const int MaxWebhookIdLength = 256;
    private const int MacLength = 32;

    private readonly SigningKeys[] _keys;
    private readonly bool _allowLegacy;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public CallbackSignatureVerifier(IOptions<CallbackSecurityOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _keys = new[] { value.Secret, value.PreviousSecret }
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => SigningKeys.TryCreate(s!, out var k, out var error) ? k : throw new OptionsValidationException(nameof(CallbackSecurityOptions), typeof(CallbackSecurityOptions), [error]))
            .ToArray();
        if (_keys.Length == 0)
        {
            // Options validation stops start-up first; this keeps the class safe on its own.
            throw new OptionsValidationException(nameof(CallbackSecurityOptions), typeof(CallbackSecurityOptions), [$"{CallbackSecurityOptions.SecretSetting} is not set."]);
        }

        _allowLegacy = value.AllowLegacySignature;
        _tolerance = value.TimestampTolerance;
        _time = time;
    }

    public SignatureCheck Verify(SignatureHeaders headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.HasStandardWebhooks)
        {
            return VerifyStandardWebhooks(headers, body);
        }

        if (headers.XSignature is not null)
        {
            return VerifyLegacy(headers.XSignature, body);
        }

        return new SignatureCheck(SignatureVerdict.Missing, null, null,
            "The request is not signed: send webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks v1)"
            + (_allowLegacy ? ", or X-Signature (hex HMAC-SHA256 of the body)." : "."));
    }

    private SignatureCheck VerifyLegacy(string signature, ReadOnlySpan<byte> body)
    {
        const SignatureScheme scheme = SignatureScheme.Legacy;
        if (!_allowLegacy)
        {
            return new SignatureCheck(SignatureVerdict.LegacyDisabled, scheme, null,
                "X-Signature is not accepted here: sign callbacks with Standard Webhooks v1 (webhook-id, webhook-timestamp, webhook-signature).");
        }

        Span<byte> received = stackalloc byte[MacLength];
        if (signature.Length != MacLength * 2 || Convert.FromHexString(signature, received, out _, out var written) != System.Buffers.OperationStatus.Done || written != MacLength)
        {
            return new SignatureCheck(SignatureVerdict.Malformed, scheme, null,
                "X-Signature must be the 64 hex digits of HMAC-SHA256(secret, body), with nothing before or after them.");
        }

        Span<byte> expected = stackalloc byte[MacLength];
        var match = false;
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key.Legacy, body, expected);
            match |= CryptographicOperations.FixedTimeEquals(expected, received);
        }

        return match
            ? new SignatureCheck(SignatureVerdict.Valid, scheme, null, "valid")
            : new SignatureCheck(SignatureVerdict.Mismatch, scheme, null,
                "X-Signature does not match the body: sign the exact bytes you send with the shared callback secret.");
    }

    private SignatureCheck VerifyStandardWebhooks(SignatureHeaders headers, ReadOnlySpan<byte> body)
    {
        const SignatureScheme scheme = SignatureScheme.StandardWebhooks;
        var (id, timestamp, signatures) = (headers.WebhookId, headers.WebhookTimestamp, headers.WebhookSignature);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return new SignatureCheck(SignatureVerdict.Missing, scheme, null,
                "Standard Webhooks needs all three headers: webhook-id, webhook-timestamp and webhook-signature.");
        }

        if (id.Length > MaxWebhookIdLength || id.Any(char.IsControl))
        {
            return new SignatureCheck(SignatureVerdict.Malformed, scheme, null,
                $"webhook-id must be 1 to {MaxWebhookIdLength} printable characters.");
        }

        if (timestamp.Length > 12 || !timestamp.All(char.IsAsciiDigit) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return new SignatureCheck(SignatureVerdict.Malformed, scheme, id,
                "webhook-timestamp must be the signing time in whole seconds since the Unix epoch.");
        }

        var skew = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (skew.Duration() > _tolerance)
        {
            return new SignatureCheck(SignatureVerdict.TimestampOutOfRange, scheme, id,
                $"webhook-timestamp is more than {_tolerance.TotalMinutes:0} minutes from the server's clock: sign each request when you send it, and check the sender's clock.");
        }

        // Signed content: "{id}.{timestamp}.{body}", over the timestamp exactly as sent.
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        Span<byte> expected = stackalloc byte[MacLength];
        Span<byte> received = stackalloc byte[MacLength];
        var match = false;
        foreach (var key in _keys)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.StandardWebhooks);
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(expected);
            foreach (var part in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!part.StartsWith("v1,", StringComparison.Ordinal)
                    || !Convert.TryFromBase64String(part[3..], received, out var written)
                    || written != MacLength)
                {
                    continue;
                }

                match |= CryptographicOperations.FixedTimeEquals(expected, received);
            }
        }

        return match
            ? new SignatureCheck(SignatureVerdict.Valid, scheme, id, "valid")
            : new SignatureCheck(SignatureVerdict.Mismatch, scheme, id,
                "webhook-signature has no v1 signature that matches: sign \"{webhook-id}.{webhook-timestamp}.{body}\" with the shared callback secret and send v1,<base64>.");
    }
}
