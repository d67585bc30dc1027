using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Reflection.Emit;
using System.Security.Cryptography;
using System.Text;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Stress;

/// <summary>What must never leak, how signatures are compared, and how big bodies are refused.</summary>
[Collection(SharedAzurite.Name)]
public sealed class SecurityTests(Azurite azurite)
{
    private const string Secret = "s3cr3t-value-that-must-not-leak";

    [Fact]
    public async Task Logs_NeverContainTheSecretOrAnySignature()
    {
        var previous = "previous-secret-also-private";
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["GITHUB_CALLBACK_SECRET"] = Secret,
            ["GITHUB_CALLBACK_SECRET_PREVIOUS"] = previous,
        });
        var job = await runner.NewJobAsync();
        var sent = new List<string>();

        async Task SendAsync(string body, string secret, bool standard)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            if (standard)
            {
                var id = "msg_" + Guid.NewGuid().ToString("N");
                var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                var signature = Signing.StandardWebhooks(secret, id, ts, bytes);
                sent.Add(signature[3..]);
                await runner.SendRawAsync(bytes, ("webhook-id", id), ("webhook-timestamp", ts), ("webhook-signature", signature));
            }
            else
            {
                var signature = Signing.Legacy(secret, bytes);
                sent.Add(signature);
                await runner.SendRawAsync(bytes, ("X-Signature", signature));
            }
        }

        foreach (var standard in new[] { true, false })
        {
            await SendAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"5\"}}", Secret, standard);
            await SendAsync($"{{\"job_id\":\"{job}\",\"type\":\"heartbeat\"}}", previous, standard);
            await SendAsync($"{{\"job_id\":\"{job}\",\"status\":\"failed\",\"error\":\"x\"}}", "wrong-secret", standard);
            await SendAsync("{\"not\":\"a callback\"}", Secret, standard);
            await SendAsync($"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"6\"}}", Secret, standard);
        }

        var lines = runner.Logs.Lines.ToList();
        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.Contains("signature Mismatch", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            Assert.DoesNotContain(Secret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(previous, line, StringComparison.Ordinal);
            foreach (var signature in sent)
            {
                Assert.DoesNotContain(signature, line, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task Logs_NeverContainAnAgentKeyOrItsSecret()
    {
        const string AgentSecret = "whsec_QWdlbnRLZXlTZWNyZXRUaGF0TXVzdE5vdExlYWsxMjM0NTY=";
        await using var runner = await Runner.StartAsync(azurite, new Dictionary<string, string?> { ["AGENT_KEY_SECRET"] = AgentSecret });
        var agent = Runner.NewAgentId();
        var job = await runner.NewJobAsync(agent);
        var claim = $"{{\"job_id\":\"{job}\",\"status\":\"provisioning\",\"workflow_run_id\":\"8\"}}";
        var key = (await Runner.ReadJsonAsync(await runner.SendStandardAsync(claim))).GetProperty("agent_key").GetString()!;
        Assert.Equal(key, (await Runner.ReadJsonAsync(await runner.SendStandardAsync(claim))).GetProperty("agent_key").GetString());
        await runner.SendStandardAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"1\",\"server_ip\":\"203.0.113.1\",\"tailscale_ip\":\"100.64.0.1\"}}");

        var forged = key[..37] + new string('Q', 43);
        async Task ReportAsync(string route, string bearer, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{route}/health") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", bearer);
            await runner.Client.SendAsync(request);
        }

        const string Report = "{\"status\":\"ok\",\"checks\":{\"service\":{\"status\":\"ok\"}}}";
        await ReportAsync(agent, "Bearer " + key, Report);
        await ReportAsync(agent, "Bearer " + key, Report); // too soon
        await ReportAsync(agent, "Bearer " + key, "{\"status\":\"bad\"}");
        await ReportAsync(agent, "Bearer " + forged, Report);
        await ReportAsync(agent, key, Report); // no scheme
        await ReportAsync(Runner.NewAgentId(), "Bearer " + key, Report);

        var lines = runner.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("Health report for agent", StringComparison.Ordinal) && l.Contains("refused", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"Health report for job {job}", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            Assert.DoesNotContain(AgentSecret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(AgentSecret["whsec_".Length..], line, StringComparison.Ordinal);
            Assert.DoesNotContain(key[37..], line, StringComparison.Ordinal);
            Assert.DoesNotContain(forged[37..], line, StringComparison.Ordinal);
        }
    }

    /// <summary>An agent key is checked the way signatures are: made again and compared in constant time, never with an early-exit comparison.</summary>
    [Fact]
    public void AgentKeys_AreComparedInConstantTimeOnly()
    {
        var verify = typeof(Provisioner.Functions.AgentHealth.AgentKeys).GetMethod(nameof(Provisioner.Functions.AgentHealth.AgentKeys.Verify))!;
        var calls = CalledMethods(verify).ToList();
        Assert.Contains(calls, c => c.DeclaringType == typeof(CryptographicOperations) && c.Name == nameof(CryptographicOperations.FixedTimeEquals));
        Assert.DoesNotContain(calls, c =>
            (c.DeclaringType == typeof(string) && c.Name is "Equals" or "op_Equality" or "CompareOrdinal" or "Compare")
            || (c.DeclaringType == typeof(MemoryExtensions) && c.Name is "SequenceEqual" or "SequenceCompareTo")
            || (c.DeclaringType == typeof(Enumerable) && c.Name == "SequenceEqual"));
    }

    /// <summary>
    /// Reads the verifier's compiled code: every comparison of MACs goes through
    /// <see cref="CryptographicOperations.FixedTimeEquals"/>, and nothing in it compares
    /// sequences or strings in a way that stops at the first difference.
    /// </summary>
    [Fact]
    public void Verifier_ComparesMacsInConstantTimeOnly()
    {
        var calls = typeof(CallbackSignatureVerifier)
            .GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .ToDictionary(m => m.Name, m => CalledMethods(m).ToList());

        foreach (var method in new[] { "VerifyLegacy", "VerifyStandardWebhooks" })
        {
            Assert.Contains(calls[method], c => c.DeclaringType == typeof(CryptographicOperations) && c.Name == nameof(CryptographicOperations.FixedTimeEquals));
        }

        var leaky = calls.Values.SelectMany(c => c).Where(c =>
            c.Name is "SequenceEqual" or "SequenceCompareTo" or "StartsWith" && c.DeclaringType == typeof(MemoryExtensions)
            || (c.DeclaringType == typeof(string) && c.Name is "Equals" or "op_Equality" or "CompareOrdinal" or "Compare")
            || (c.DeclaringType == typeof(Enumerable) && c.Name == "SequenceEqual")).ToList();
        Assert.Empty(leaky);
    }

    [Fact]
    public async Task Body_DeclaredOverTheCap_IsRefusedWithoutReadingIt()
    {
        await using var runner = await Runner.StartAsync(azurite);
        var answer = await RawPostAsync(runner, contentLength: 10 * 1024 * 1024, send: 0);
        Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_StreamedPastTheCap_IsRefusedBeforeTheRestArrives()
    {
        await using var runner = await Runner.StartAsync(azurite);
        // Chunked, no length: 64 KiB + 1 byte arrive, then the sender stalls. The answer must
        // come now, not when (if ever) the body ends.
        var answer = await RawPostAsync(runner, contentLength: null, send: 64 * 1024 + 1);
        Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
    }

    private static async Task<string> RawPostAsync(Runner runner, long? contentLength, int send)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, runner.Client.BaseAddress!.Port);
        var stream = tcp.GetStream();
        var head = "POST /api/webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Signature: 00\r\n"
            + (contentLength is { } length ? $"Content-Length: {length}\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (send > 0)
        {
            var chunk = new byte[send];
            Array.Fill(chunk, (byte)'x');
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{send:x}\r\n"));
            await stream.WriteAsync(chunk);
            await stream.WriteAsync("\r\n"u8.ToArray());
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static IEnumerable<MethodBase> CalledMethods(MethodInfo method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var oneByte = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).Where(o => o.Size == 1).ToDictionary(o => o.Value);
        var twoByte = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).Where(o => o.Size == 2).ToDictionary(o => (ushort)o.Value);
        for (var i = 0; i < il.Length;)
        {
            OpCode op;
            if (il[i] == 0xFE)
            {
                op = twoByte[(ushort)(0xFE00 | il[i + 1])];
                i += 2;
            }
            else
            {
                op = oneByte[il[i]];
                i += 1;
            }

            if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj)
            {
                var token = BitConverter.ToInt32(il, i);
                MethodBase? called = null;
                try
                {
                    called = method.Module.ResolveMethod(token, method.DeclaringType!.GetGenericArguments(), method.GetGenericArguments());
                }
                catch (ArgumentException)
                {
                }

                if (called is not null)
                {
                    yield return called;
                }
            }

            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (BitConverter.ToInt32(il, i) * 4),
                _ => 4,
            };
        }
    }
}
