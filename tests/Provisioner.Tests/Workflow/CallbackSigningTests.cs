using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// How the real <c>.github/scripts/callback.sh</c> derives its Standard Webhooks key and signs:
/// the spec's published example, a <c>whsec_</c> secret with or without its base64 padding, a
/// secret without the prefix (its UTF-8 bytes are the key), and what a callback actually sends,
/// caught at a capture point instead of the backend.
/// </summary>
public sealed class CallbackSigningTests
{

    private sealed record ScriptRun(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>What the test process may have inherited and the scripts read: removed, so only what a test sets counts.</summary>
    private static readonly string[] InheritedVariables = ["CALLBACK_URL", "JOB_ID", "CALLBACK_SECRET", "CALLBACK_MAX_ATTEMPTS", "GITHUB_RUN_ID"];

    private static async Task<ScriptRun> CallbackAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string? stdin = null)
    {
        var variables = InheritedVariables.ToDictionary(name => name, _ => (string?)null);
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        // Raw bytes, no newline added: what is signed must be exactly the body.
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "callback.sh"), .. args]) { WorkingDirectory = RepositoryRoot.Path, Environment = variables },
            TimeSpan.FromSeconds(60),
            Encoding.UTF8.GetBytes(stdin ?? string.Empty));
        return new ScriptRun(run.ExitCode, run.StandardOutput, run.StandardError);
    }

    /// <summary><c>callback.sh sign ID TIMESTAMP &lt; BODY</c>: the headers, by name.</summary>
    private static async Task<Dictionary<string, string>> SignAsync(string secret, string id, string timestamp, string body)
    {
        var run = await CallbackAsync(["sign", id, timestamp], new Dictionary<string, string> { ["CALLBACK_SECRET"] = secret }, body);
        Assert.True(run.ExitCode == 0, run.Output);
        AssertKeepsTheSecret(secret, run.Output);
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(": ", 2))
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
    }

    /// <summary>What the spec says: the base64 of HMAC-SHA256(key, id.timestamp.body).</summary>
    private static string Expected(byte[] key, string id, string timestamp, byte[] body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, (byte[])[.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body]));

    private static void AssertKeepsTheSecret(string secret, string output)
    {
        var material = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..].TrimEnd('=') : secret;
        Assert.DoesNotContain(material, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_TheSpecsExample_GivesTheSpecsSignature()
    {
        var headers = await SignAsync(SpecVector.Secret, SpecVector.Id, SpecVector.Timestamp, SpecVector.Body);

        Assert.Equal(SpecVector.Id, headers["webhook-id"]);
        Assert.Equal(SpecVector.Timestamp, headers["webhook-timestamp"]);
        Assert.Equal(SpecVector.Signature, headers["webhook-signature"]);
    }

    [Theory]
    [InlineData(32)] // base64 ends in one '='
    [InlineData(31)] // base64 ends in '=='
    [InlineData(24)] // base64 has no padding to leave off
    public async Task Sign_WhsecSecretWithoutItsPadding_SignsAsThePaddedOne(int keyLength)
    {
        var key = RandomNumberGenerator.GetBytes(keyLength);
        var padded = "whsec_" + Convert.ToBase64String(key);
        var unpadded = padded.TrimEnd('=');
        const string body = "{\"job_id\":\"x\",\n  \"status\": \"provisioning\"}";

        var withPadding = await SignAsync(padded, "msg_1", "1700000000", body);
        var withoutPadding = await SignAsync(unpadded, "msg_1", "1700000000", body);

        Assert.Equal(Expected(key, "msg_1", "1700000000", Encoding.UTF8.GetBytes(body)), withPadding["webhook-signature"]);
        Assert.Equal(withPadding["webhook-signature"], withoutPadding["webhook-signature"]);
    }

    [Fact]
    public async Task Sign_SecretWithoutPrefix_IsKeyedWithItsUtf8Bytes()
    {
        // Not base64-decoded, even where it would decode: only whsec_ marks a base64 secret.
        const string secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw-ünï";

        var headers = await SignAsync(secret, SpecVector.Id, SpecVector.Timestamp, SpecVector.Body);

        Assert.Equal(Expected(Encoding.UTF8.GetBytes(secret), SpecVector.Id, SpecVector.Timestamp, Encoding.UTF8.GetBytes(SpecVector.Body)), headers["webhook-signature"]);
        Assert.NotEqual(SpecVector.Signature, headers["webhook-signature"]);
    }

    [Theory]
    [InlineData("whsec_not base64!")]
    [InlineData("whsec_abcde")] // 4n+1 characters cannot be base64
    [InlineData("whsec_ab=c")]
    public async Task Sign_WhsecSecretThatIsNotBase64_IsRefusedWithoutShowingIt(string secret)
    {
        var run = await CallbackAsync(["sign", "msg_1", "1"], new Dictionary<string, string> { ["CALLBACK_SECRET"] = secret }, "{}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not base64", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
        AssertKeepsTheSecret(secret, run.Output);
    }

    /// <summary>A one-request HTTP endpoint that keeps what it received and answers 200.</summary>
    private sealed class CapturePoint : IDisposable
    {
        private readonly HttpListener _listener = new();

        public CapturePoint()
        {
            Url = $"http://127.0.0.1:{Azurite.FreePort().ToString(CultureInfo.InvariantCulture)}/api/webhooks/github/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
        }

        public string Url { get; }

        public async Task<(WebHeaderCollection Headers, byte[] Body)> NextAsync()
        {
            var context = await _listener.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(60));
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = new WebHeaderCollection { context.Request.Headers };
            context.Response.StatusCode = 200;
            await context.Response.OutputStream.WriteAsync("{\"received\":true}"u8.ToArray());
            context.Response.Close();
            return (headers, body.ToArray());
        }

        public void Dispose() => _listener.Close();
    }

    public static TheoryData<string, string> Secrets() => new()
    {
        { "the spec's whsec_ secret", SpecVector.Secret },
        { "a whsec_ secret without its padding", "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("a key of thirty-two bytes, quite")).TrimEnd('=') },
        { "a secret without the prefix", "test-secret" },
    };

    [Theory]
    [MemberData(nameof(Secrets))]
    public async Task Callback_AsSent_IsSignedWithTheDerivedKey(string what, string secret)
    {
        using var capture = new CapturePoint();
        var received = capture.NextAsync();

        var run = await CallbackAsync(["heartbeat"], new Dictionary<string, string>
        {
            ["CALLBACK_URL"] = capture.Url,
            ["JOB_ID"] = "0b8f6d1e-3c5a-4f7e-9a2b-1d4c6e8f0a2b",
            ["CALLBACK_SECRET"] = secret,
            ["CALLBACK_MAX_ATTEMPTS"] = "1",
        });
        var (headers, body) = await received;

        Assert.True(run.ExitCode == 0, $"{what}: {run.Output}");
        AssertKeepsTheSecret(secret, run.Output);
        var key = secret.StartsWith("whsec_", StringComparison.Ordinal)
            ? Convert.FromBase64String(secret["whsec_".Length..].PadRight((secret.Length - 6 + 3) / 4 * 4, '='))
            : Encoding.UTF8.GetBytes(secret);
        var id = headers["webhook-id"]!;
        var timestamp = headers["webhook-timestamp"]!;
        Assert.StartsWith("msg_", id, StringComparison.Ordinal);
        Assert.InRange(long.Parse(timestamp, CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        Assert.Equal(Expected(key, id, timestamp, body), headers["webhook-signature"]);
        Assert.Null(headers["X-Signature"]);

        // And `sign` gives the very signature the callback carried, for the same id, timestamp and body.
        var signed = await SignAsync(secret, id, timestamp, Encoding.UTF8.GetString(body));
        Assert.Equal(headers["webhook-signature"], signed["webhook-signature"]);
    }
}
