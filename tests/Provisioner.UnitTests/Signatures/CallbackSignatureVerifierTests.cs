using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Signatures;

/// <summary>The signature matrix of both schemes (issue "Callbacks in, status out").</summary>
public sealed class CallbackSignatureVerifierTests
{
    private const string Secret = "test-secret";
    private const string VectorBody = "{\"job_id\":\"11111111-2222-3333-4444-555555555555\",\"status\":\"provisioning\",\"workflow_run_id\":\"123456789\"}";
    private const string VectorSignature = "242392f10f42f3cc93bb6821bab82a51a69ab908887010e08ed2f306f45a0781";

    /// <summary>What <c>jq -n --arg job_id … '{job_id: $job_id, status: "provisioning", step: "vm_created"}'</c> prints: pretty, several lines.</summary>
    private const string JqBody = "{\n  \"job_id\": \"11111111-2222-3333-4444-555555555555\",\n  \"status\": \"provisioning\",\n  \"step\": \"vm_created\"\n}";

    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Vector = Encoding.UTF8.GetBytes(VectorBody);

    private static CallbackSignatureVerifier Verifier(string secret = Secret, string? previous = null, bool allowLegacy = true) =>
        new(Options.Create(new CallbackSecurityOptions { Secret = secret, PreviousSecret = previous, AllowLegacySignature = allowLegacy }), new FakeTimeProvider(Now));

    private static SignatureCheck Legacy(string? signature, byte[] body, CallbackSignatureVerifier? verifier = null) =>
        (verifier ?? Verifier()).Verify(new SignatureHeaders(signature, null, null, null), body);

    private static SignatureCheck Standard(string? id, string? timestamp, string? signature, byte[] body, CallbackSignatureVerifier? verifier = null) =>
        (verifier ?? Verifier()).Verify(new SignatureHeaders(null, id, timestamp, signature), body);

    private static string Ts(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Legacy_TestVector_IsValid()
    {
        Assert.Equal(VectorSignature, Signing.Legacy(Secret, Vector));
        var check = Legacy(VectorSignature, Vector);
        Assert.Equal(SignatureVerdict.Valid, check.Verdict);
        Assert.Equal(SignatureScheme.Legacy, check.Scheme);
    }

    [Fact]
    public void Legacy_UpperCaseHex_IsValidBecauseHexIsComparedAsBytes() =>
        Assert.Equal(SignatureVerdict.Valid, Legacy(VectorSignature.ToUpperInvariant(), Vector).Verdict);

    [Fact]
    public void Legacy_MultiLineJqBody_IsValidOverItsExactBytes()
    {
        var body = Encoding.UTF8.GetBytes(JqBody);
        Assert.Equal(SignatureVerdict.Valid, Legacy(Signing.Legacy(Secret, body), body).Verdict);

        // The same JSON re-serialised on one line is different bytes: the signature must not verify it.
        var compact = Encoding.UTF8.GetBytes(JqBody.Replace("\n", "", StringComparison.Ordinal).Replace("  ", "", StringComparison.Ordinal));
        Assert.Equal(SignatureVerdict.Mismatch, Legacy(Signing.Legacy(Secret, body), compact).Verdict);
    }

    [Theory]
    [InlineData(null, SignatureVerdict.Missing)]
    [InlineData("", SignatureVerdict.Malformed)]
    [InlineData("242392f10f42f3cc93bb6821bab82a51a69ab908887010e08ed2f306f45a078", SignatureVerdict.Malformed)] // truncated
    [InlineData("242392f10f42f3cc93bb6821bab82a51a69ab908887010e08ed2f306f45a0781ff", SignatureVerdict.Malformed)] // trailing junk
    [InlineData("242392f10f42f3cc93bb6821bab82a51a69ab908887010e08ed2f306f45a0781 ", SignatureVerdict.Malformed)]
    [InlineData("sha256=242392f10f42f3cc93bb6821bab82a51a69ab908887010e08ed2f306f45a0781", SignatureVerdict.Malformed)]
    [InlineData("342392f10f42f3cc93bb6821bab82a51a69ab908887010e08ed2f306f45a0781", SignatureVerdict.Mismatch)] // one digit off
    [InlineData("zz2392f10f42f3cc93bb6821bab82a51a69ab908887010e08ed2f306f45a0781", SignatureVerdict.Malformed)] // not hex
    public void Legacy_BadSignature_IsRefused(string? signature, object expected) =>
        Assert.Equal((SignatureVerdict)expected, Legacy(signature, Vector).Verdict);

    [Fact]
    public void Legacy_BodyChangedAfterSigning_IsMismatch()
    {
        var tampered = Encoding.UTF8.GetBytes(VectorBody.Replace("provisioning", "running", StringComparison.Ordinal));
        Assert.Equal(SignatureVerdict.Mismatch, Legacy(VectorSignature, tampered).Verdict);
    }

    [Fact]
    public void Legacy_WrongSecret_IsMismatch() =>
        Assert.Equal(SignatureVerdict.Mismatch, Legacy(Signing.Legacy("other-secret", Vector), Vector).Verdict);

    [Fact]
    public void Legacy_RotatedSecret_BothCurrentAndPreviousAreValid()
    {
        var verifier = Verifier(secret: "new-secret", previous: Secret);
        Assert.Equal(SignatureVerdict.Valid, Legacy(VectorSignature, Vector, verifier).Verdict);
        Assert.Equal(SignatureVerdict.Valid, Legacy(Signing.Legacy("new-secret", Vector), Vector, verifier).Verdict);
        Assert.Equal(SignatureVerdict.Mismatch, Legacy(Signing.Legacy("third-secret", Vector), Vector, verifier).Verdict);
    }

    [Fact]
    public void Legacy_SwitchedOff_IsRefusedEvenWhenCorrect() =>
        Assert.Equal(SignatureVerdict.LegacyDisabled, Legacy(VectorSignature, Vector, Verifier(allowLegacy: false)).Verdict);

    [Fact]
    public void Standard_Valid_IsValidWithItsWebhookId()
    {
        var ts = Ts(Now);
        var check = Standard("msg_1", ts, Signing.StandardWebhooks(Secret, "msg_1", ts, Vector), Vector);
        Assert.Equal(SignatureVerdict.Valid, check.Verdict);
        Assert.Equal(SignatureScheme.StandardWebhooks, check.Scheme);
        Assert.Equal("msg_1", check.WebhookId);
    }

    [Fact]
    public void Standard_MultiLineJqBody_IsValid()
    {
        var body = Encoding.UTF8.GetBytes(JqBody);
        var ts = Ts(Now);
        Assert.Equal(SignatureVerdict.Valid, Standard("msg_jq", ts, Signing.StandardWebhooks(Secret, "msg_jq", ts, body), body).Verdict);
    }

    [Fact]
    public void Standard_WhsecSecret_IsDecodedFromBase64AsTheSpecSays()
    {
        var key = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");
        var verifier = Verifier(secret: "whsec_" + Convert.ToBase64String(key));
        var ts = Ts(Now);
        Assert.Equal(SignatureVerdict.Valid, Standard("msg_2", ts, Signing.StandardWebhooks(key, "msg_2", ts, Vector), Vector, verifier).Verdict);

        // Keyed with the literal "whsec_…" string instead: not what the spec says, refused.
        Assert.Equal(SignatureVerdict.Mismatch, Standard("msg_2", ts, Signing.StandardWebhooks(Encoding.UTF8.GetBytes("whsec_" + Convert.ToBase64String(key)), "msg_2", ts, Vector), Vector, verifier).Verdict);
    }

    [Fact]
    public void Standard_SeveralSignatures_OneValidIsEnough()
    {
        var ts = Ts(Now);
        var valid = Signing.StandardWebhooks(Secret, "msg_3", ts, Vector);
        var header = $"v1,{Convert.ToBase64String(new byte[32])} v1a,notours {valid}";
        Assert.Equal(SignatureVerdict.Valid, Standard("msg_3", ts, header, Vector).Verdict);
    }

    [Fact]
    public void Standard_RotatedSecret_PreviousIsValid()
    {
        var ts = Ts(Now);
        var verifier = Verifier(secret: "new-secret", previous: Secret);
        Assert.Equal(SignatureVerdict.Valid, Standard("msg_4", ts, Signing.StandardWebhooks(Secret, "msg_4", ts, Vector), Vector, verifier).Verdict);
        Assert.Equal(SignatureVerdict.Valid, Standard("msg_4", ts, Signing.StandardWebhooks("new-secret", "msg_4", ts, Vector), Vector, verifier).Verdict);
    }

    [Fact]
    public void Standard_WrongSecret_IsMismatch()
    {
        var ts = Ts(Now);
        Assert.Equal(SignatureVerdict.Mismatch, Standard("msg_5", ts, Signing.StandardWebhooks("other", "msg_5", ts, Vector), Vector).Verdict);
    }

    [Fact]
    public void Standard_IdOrTimestampChangedAfterSigning_IsMismatch()
    {
        var ts = Ts(Now);
        var signature = Signing.StandardWebhooks(Secret, "msg_6", ts, Vector);
        Assert.Equal(SignatureVerdict.Mismatch, Standard("msg_7", ts, signature, Vector).Verdict);
        Assert.Equal(SignatureVerdict.Mismatch, Standard("msg_6", Ts(Now.AddSeconds(-1)), signature, Vector).Verdict);
    }

    [Theory]
    [InlineData(-301, SignatureVerdict.TimestampOutOfRange)]
    [InlineData(301, SignatureVerdict.TimestampOutOfRange)]
    [InlineData(-3600, SignatureVerdict.TimestampOutOfRange)]
    [InlineData(-299, SignatureVerdict.Valid)]
    [InlineData(299, SignatureVerdict.Valid)]
    public void Standard_Timestamp_MustBeWithinFiveMinutes(int offsetSeconds, object expected)
    {
        var ts = Ts(Now.AddSeconds(offsetSeconds));
        Assert.Equal((SignatureVerdict)expected, Standard("msg_8", ts, Signing.StandardWebhooks(Secret, "msg_8", ts, Vector), Vector).Verdict);
    }

    [Theory]
    [InlineData(null, "ts", "sig", SignatureVerdict.Missing)]
    [InlineData("msg", null, "sig", SignatureVerdict.Missing)]
    [InlineData("msg", "ts", null, SignatureVerdict.Missing)]
    [InlineData("msg", "not-a-number", "v1,AAAA", SignatureVerdict.Malformed)]
    [InlineData("msg", "-5", "v1,AAAA", SignatureVerdict.Malformed)]
    public void Standard_MissingOrMalformedHeaders_AreRefused(string? id, string? timestamp, string? signature, object expected)
    {
        var ts = timestamp == "ts" ? Ts(Now) : timestamp;
        var sig = signature == "sig" ? Signing.StandardWebhooks(Secret, id ?? "msg", ts ?? Ts(Now), Vector) : signature;
        Assert.Equal((SignatureVerdict)expected, Standard(id, ts, sig, Vector).Verdict);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("junk")]
    [InlineData("no-version")]
    [InlineData("not-base64")]
    public void Standard_DamagedSignature_IsMismatch(string damage)
    {
        var ts = Ts(Now);
        var valid = Signing.StandardWebhooks(Secret, "msg_9", ts, Vector);
        var damaged = damage switch
        {
            "truncated" => valid[..^4],
            "junk" => valid + "AAAA",
            "no-version" => valid[3..],
            _ => "v1,!!!!",
        };
        Assert.Equal(SignatureVerdict.Mismatch, Standard("msg_9", ts, damaged, Vector).Verdict);
    }

    [Fact]
    public void Standard_HeadersPresent_NeverFallBackToLegacy()
    {
        // A valid legacy signature does not rescue a bad Standard Webhooks one.
        var check = Verifier().Verify(new SignatureHeaders(VectorSignature, "msg_10", Ts(Now), "v1," + Convert.ToBase64String(new byte[32])), Vector);
        Assert.Equal(SignatureVerdict.Mismatch, check.Verdict);
        Assert.Equal(SignatureScheme.StandardWebhooks, check.Scheme);
    }

    [Fact]
    public void NoSignatureAtAll_IsMissing() =>
        Assert.Equal(SignatureVerdict.Missing, Verifier().Verify(new SignatureHeaders(null, null, null, null), Vector).Verdict);

    [Fact]
    public void Validator_MissingSecret_FailsNamingTheSetting()
    {
        var result = new CallbackSecurityOptionsValidator().Validate(null, new CallbackSecurityOptions { Secret = " " });
        Assert.True(result.Failed);
        Assert.Contains("GITHUB_CALLBACK_SECRET", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_UnresolvedKeyVaultReference_FailsSayingSo()
    {
        var result = new CallbackSecurityOptionsValidator().Validate(null, new CallbackSecurityOptions { Secret = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/1)" });
        Assert.True(result.Failed);
        Assert.Contains("Key Vault", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_WhsecSecretThatIsNotBase64_FailsNamingTheSetting()
    {
        var result = new CallbackSecurityOptionsValidator().Validate(null, new CallbackSecurityOptions { Secret = "whsec_***" });
        Assert.True(result.Failed);
        Assert.Contains("GITHUB_CALLBACK_SECRET", result.FailureMessage, StringComparison.Ordinal);
    }


    private static CallbackSignatureVerifier AtSpecTime(string secret, bool allowLegacy = false) =>
        new(Options.Create(new CallbackSecurityOptions { Secret = secret, AllowLegacySignature = allowLegacy }), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1614265330)));

    [Fact]
    public void StandardWebhooks_SpecPublishedVector_IsValid()
    {
        var check = Standard(SpecVector.Id, SpecVector.Timestamp, SpecVector.Signature, Encoding.UTF8.GetBytes(SpecVector.Body), AtSpecTime(SpecVector.Secret));
        Assert.Equal(SignatureVerdict.Valid, check.Verdict);
        Assert.Equal(SignatureScheme.StandardWebhooks, check.Scheme);
    }

    [Fact]
    public void StandardWebhooks_SpecVectorWithTheKeyAsRawBytes_IsRefused()
    {
        // Keying HMAC with the text "whsec_…" (what a hex or plain secret did before) is not what the spec's libraries do.
        var rawKeyed = Signing.StandardWebhooks(Encoding.UTF8.GetBytes(SpecVector.Secret), SpecVector.Id, SpecVector.Timestamp, Encoding.UTF8.GetBytes(SpecVector.Body));
        Assert.Equal(SignatureVerdict.Mismatch, Standard(SpecVector.Id, SpecVector.Timestamp, rawKeyed, Encoding.UTF8.GetBytes(SpecVector.Body), AtSpecTime(SpecVector.Secret)).Verdict);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StandardWebhooks_SecretWithoutBase64Padding_KeysLikeThePaddedOne(int keyBytesBeyondAMultipleOfThree)
    {
        var key = Enumerable.Range(1, 30 + keyBytesBeyondAMultipleOfThree).Select(i => (byte)(i * 7)).ToArray();
        var padded = "whsec_" + Convert.ToBase64String(key);
        var unpadded = padded.TrimEnd('=');
        Assert.NotEqual(padded, unpadded);

        var body = Encoding.UTF8.GetBytes(SpecVector.Body);
        var signature = Signing.StandardWebhooks(key, SpecVector.Id, SpecVector.Timestamp, body);
        Assert.Equal(SignatureVerdict.Valid, Standard(SpecVector.Id, SpecVector.Timestamp, signature, body, AtSpecTime(padded)).Verdict);
        Assert.Equal(SignatureVerdict.Valid, Standard(SpecVector.Id, SpecVector.Timestamp, signature, body, AtSpecTime(unpadded)).Verdict);
        Assert.True(new CallbackSecurityOptionsValidator().Validate(null, new CallbackSecurityOptions { Secret = unpadded }).Succeeded);
    }

    [Fact]
    public void Legacy_WithAWhsecSecret_KeysWithTheSecretsOwnBytes_AsOpensslDoes()
    {
        var body = Encoding.UTF8.GetBytes(SpecVector.Body);
        var openssl = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(SpecVector.Secret), body));
        Assert.Equal(SignatureVerdict.Valid, Legacy(openssl, body, AtSpecTime(SpecVector.Secret, allowLegacy: true)).Verdict);
    }

    [Fact]
    public void Legacy_NotAllowedInSettings_IsRefusedByDefault()
    {
        var body = Encoding.UTF8.GetBytes(SpecVector.Body);
        var openssl = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(SpecVector.Secret), body));
        Assert.False(new CallbackSecurityOptions().AllowLegacySignature);
        Assert.NotEqual(SignatureVerdict.Valid, Legacy(openssl, body, AtSpecTime(SpecVector.Secret)).Verdict);
    }
}
