namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// The example the Standard Webhooks specification publishes (standard-webhooks/spec, "Signature
/// scheme", and its reference libraries' tests): the outside reference both the backend's verifier
/// and callback.sh are held to.
/// </summary>
internal static class SpecVector
{
    public const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    public const string Timestamp = "1614265330";
    public const string Body = "{\"test\": 2432232314}";
    public const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
}
