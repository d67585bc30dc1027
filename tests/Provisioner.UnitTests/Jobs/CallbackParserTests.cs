using System.Text;
using Provisioner.Functions.CreateJob;
using Provisioner.Functions.Jobs;

namespace Provisioner.Tests.Jobs;

/// <summary>Regressions the fuzzer found, and the reader's edges.</summary>
public sealed class CallbackParserTests
{
    private const string Job = "11111111-2222-3333-4444-555555555555";

    [Fact]
    public void TryParse_InvalidUtf8InsideAString_IsRefusedNotThrown()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{Job}\",\"status\":\"prov").Concat(new byte[] { 0xC3, 0x28 }).Concat("isioning\"}"u8.ToArray()).ToArray();
        Assert.False(CallbackParser.TryParse(body, out _, out var error));
        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
        Assert.False(CreateJobRequest.TryParse(body, out _, out _));
    }

    [Fact]
    public void TryParse_LoneSurrogateEscape_IsRefusedNotThrown()
    {
        // A \ud800 alone is valid JSON but not text: it is refused with a reason, never thrown, never stored.
        var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{Job}\",\"status\":\"failed\",\"error\":\"\\ud800\"}}");
        Assert.False(CallbackParser.TryParse(body, out _, out var error));
        Assert.Contains("not valid text", error, StringComparison.Ordinal);
        Assert.False(CreateJobRequest.TryParse(Encoding.UTF8.GetBytes("{\"agent_id\":\"\\udc00\",\"region\":\"eu\"}"), out _, out var createError));
        Assert.Contains("not valid text", createError, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NumericRunIdAndServerId_AreReadAsText()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"job_id\":\"{Job}\",\"status\":\"running\",\"server_id\":4711,\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\",\"workflow_run_id\":123}}");
        Assert.True(CallbackParser.TryParse(body, out var callback, out _));
        Assert.Equal("4711", callback.Server?.Id);
        Assert.Equal("123", callback.WorkflowRunId);
    }

    [Fact]
    public void TryParse_CancelledFromTheCleanUp_ReadsWhereAndWhy()
    {
        var body = Body("\"status\":\"cancelled\",\"server_id\":\"4711\",\"failed_step\":\"configure\",\"step\":\"configure\",\"reason\":\"timed_out_or_cancelled\",\"error\":\"stopped in its configure phase\"");

        Assert.True(CallbackParser.TryParse(body, out var callback, out var error), error);
        Assert.Equal(CallbackKind.Cancelled, callback.Kind);
        Assert.Equal("configure", callback.FailedStep);
        Assert.Equal("configure", callback.Step);
        Assert.Equal("stopped in its configure phase", callback.Error);
        Assert.Equal("4711", callback.Server!.Id);
    }

    [Fact]
    public void TryParse_DeepNesting_IsRefused() =>
        Assert.False(CallbackParser.TryParse(Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100)), out _, out _));

    private static byte[] Body(string fields) => Encoding.UTF8.GetBytes($"{{\"job_id\":\"{Job}\",{fields}}}");

    public static TheoryData<string, string, string> ValidServers => new()
    {
        // server_ip, tailscale_ip as sent; the addresses as kept (canonical text).
        { "\"203.0.113.7\"", "\"100.64.0.7\"", "203.0.113.7 100.64.0.7" },
        { "\"0.0.0.0\"", "\"100.127.255.255\"", "0.0.0.0 100.127.255.255" },
        { "\"2001:DB8::1\"", "\"fd7a:115c:a1e0:ab12:4843:cd96:6258:b240\"", "2001:db8::1 fd7a:115c:a1e0:ab12:4843:cd96:6258:b240" },
        { "\"2001:db8:0:0:0:0:0:1\"", "\"FD7A:115C:A1E0::1\"", "2001:db8::1 fd7a:115c:a1e0::1" },
        { "\"::ffff:203.0.113.7\"", "\"100.100.100.100\"", "::ffff:203.0.113.7 100.100.100.100" },
    };

    [Theory]
    [MemberData(nameof(ValidServers))]
    public void TryParse_RunningWithValidAddresses_KeepsThem(string serverIp, string tailscaleIp, string expected)
    {
        Assert.True(CallbackParser.TryParse(Body($"\"status\":\"running\",\"server_id\":\"4711\",\"server_ip\":{serverIp},\"tailscale_ip\":{tailscaleIp}"), out var callback, out var error), error);
        Assert.Equal(CallbackKind.Running, callback.Kind);
        Assert.Equal("4711", callback.Server?.Id);
        Assert.Equal(expected, $"{callback.Server?.Ip} {callback.Server?.TailscaleIp}");
    }

    public static TheoryData<string, string> InvalidServers => new()
    {
        // The fields of a running callback; the field the refusal must name.
        { "", "server_id" },
        { "\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"", "server_id" },
        { "\"server_id\":\"\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"", "server_id" },
        { "\"server_id\":\"1\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":null,\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.7\"", "tailscale_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"not-an-ip\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.256\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.07\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\" 203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"3405803783\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":3405803783,\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"fe80::1%eth0\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"[2001:db8::1]\",\"tailscale_ip\":\"100.64.0.7\"", "server_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"<script>\"", "tailscale_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.63.255.255\"", "tailscale_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.128.0.1\"", "tailscale_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"10.0.0.1\"", "tailscale_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"fd7a:115c:a1e1::1\"", "tailscale_ip" },
        { "\"server_id\":\"1\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"::ffff:100.64.0.7\"", "tailscale_ip" },
    };

    [Theory]
    [MemberData(nameof(InvalidServers))]
    public void TryParse_RunningWithMissingOrMalformedServer_IsRefusedNamingTheField(string fields, string field)
    {
        var body = Body(fields.Length == 0 ? "\"status\":\"running\"" : $"\"status\":\"running\",{fields}");
        Assert.False(CallbackParser.TryParse(body, out _, out var error));
        Assert.StartsWith(field + " ", error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string?, string?, string?> FailureServers => new()
    {
        // A failure's server fields as sent; what is kept of them (a malformed field is dropped, the failure never).
        { "", null, null, null },
        { "\"server_id\":\"58391234\",\"server_ip\":\"203.0.113.10\",\"tailscale_ip\":\"\"", "58391234", "203.0.113.10", null },
        { "\"server_id\":\"9\",\"server_ip\":\"not-an-ip\",\"tailscale_ip\":\"<script>\"", "9", null, null },
        { "\"server_id\":[1],\"server_ip\":\"203.0.113.10\",\"tailscale_ip\":\"100.64.0.10\"", null, "203.0.113.10", "100.64.0.10" },
        { "\"server_ip\":{\"a\":1},\"tailscale_ip\":\"10.0.0.1\"", null, null, null },
    };

    [Theory]
    [MemberData(nameof(FailureServers))]
    public void TryParse_FailureWithMalformedServerFields_IsAcceptedWithoutThem(string fields, string? id, string? ip, string? tailscaleIp)
    {
        var failure = "\"status\":\"failed\",\"error\":\"boom\",\"failed_step\":\"configure\"";
        Assert.True(CallbackParser.TryParse(Body(fields.Length == 0 ? failure : $"{failure},{fields}"), out var callback, out var error), error);
        Assert.Equal(CallbackKind.Failed, callback.Kind);
        Assert.Equal((id, ip, tailscaleIp), (callback.Server?.Id, callback.Server?.Ip, callback.Server?.TailscaleIp));
    }
}
