using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Provisioner.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Provisioner.Tests.Stress;

/// <summary>
/// Thousands of generated requests at the webhook and the create call, over HTTP: never a 5xx,
/// every 4xx a problem document, and nothing changes without a valid signature.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cap = 64 * 1024;
    private readonly Azurite _azurite = new();
    private Runner _runner = null!;
    private Guid[] _jobs = [];

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _runner = await Runner.StartAsync(_azurite);
        _jobs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _runner.NewJobAsync()));
        await _runner.SendStandardAsync($"{{\"job_id\":\"{_jobs[0]}\",\"status\":\"provisioning\",\"workflow_run_id\":\"1\"}}");
        await _runner.SendStandardAsync($"{{\"job_id\":\"{_jobs[1]}\",\"status\":\"running\",\"server_id\":\"s\",\"server_ip\":\"203.0.113.2\",\"tailscale_ip\":\"100.64.0.2\"}}");
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    /// <summary>Bodies: real callbacks, mutated ones, random bytes, invalid UTF-8, deep JSON, sizes around the cap.</summary>
    private Gen<byte[]> Bodies()
    {
        var job = Gen.OneOf(_jobs.Select(j => j.ToString()).Append("11111111-2222-3333-4444-555555555555").Append("not-a-guid").ToArray());
        var valid = Gen.Select(job, Gen.OneOf(
            "\"status\":\"provisioning\",\"workflow_run_id\":\"9\"",
            "\"status\":\"provisioning\",\"step\":\"vm_created\"",
            "\"status\":\"provisioning\",\"step\":\"bogus\"",
            "\"type\":\"heartbeat\"",
            "\"status\":\"running\",\"server_id\":1,\"server_ip\":\"1.2.3.4\",\"tailscale_ip\":\"100.100.1.2\"",
            "\"status\":\"running\",\"server_id\":1,\"server_ip\":\"not-an-ip\",\"tailscale_ip\":\"<script>\"",
            "\"status\":\"failed\",\"error\":{\"nested\":[1,2]},\"failed_step\":\"configure\"",
            "\"status\":\"failed\",\"unknown\":\"field\",\"also\":[null,true,1e999]",
            "\"status\":\"failed\",\"failed_step\":\"install\",\"server_id\":\"5\",\"server_kept_until\":\"0001-01-01T00:00:00+14:00\"",
            "\"status\":\"failed\",\"failed_step\":\"configure\",\"server_id\":5,\"server_kept_until\":\"9999-12-31T23:59:59Z\"",
            "\"status\":null,\"workflow_run_id\":[]",
            "\"status\":\"provisioning\",\"workflow_run_id\":\"../../etc\""), (j, fields) => Encoding.UTF8.GetBytes($"{{\"job_id\":\"{j}\",{fields}}}"));
        var mutated = Gen.Select(valid, Gen.Int[0, 1000], Gen.Byte, Gen.Int[0, 3], (body, at, value, kind) =>
        {
            var copy = body.ToList();
            var i = at % Math.Max(1, copy.Count);
            switch (kind)
            {
                case 0: copy[i] = value; break;
                case 1: copy.Insert(i, value); break;
                case 2: copy.RemoveRange(i, Math.Min(3, copy.Count - i)); break;
                default: copy.AddRange(copy); break;
            }

            return copy.ToArray();
        });
        var random = Gen.Byte.Array[0, 2048];
        var invalidUtf8 = Gen.Select(valid, v => v.Take(v.Length / 2).Concat(new byte[] { 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80 }).Concat(v.Skip(v.Length / 2)).ToArray());
        var deep = Gen.Int[10, 5000].Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)));
        var deepObject = Gen.Int[10, 2000].Select(depth => Encoding.UTF8.GetBytes("{\"job_id\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}"));
        var sized = Gen.Int[Cap - 64, Cap + 4096].Select(size => Encoding.UTF8.GetBytes($"{{\"job_id\":\"{_jobs[2]}\",\"status\":\"failed\",\"error\":\"").Concat(Enumerable.Repeat((byte)'x', size)).Concat("\"}"u8.ToArray()).ToArray());
        return Gen.Frequency((4, valid), (4, mutated), (2, random), (1, invalidUtf8), (1, deep), (1, deepObject), (1, sized), (1, Gen.Const(Array.Empty<byte>())));
    }

    private static readonly Gen<string?> ContentTypes = Gen.OneOf<string?>(
        "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/problem+json", "application/json; charset=latin1", "garbage", null);

    /// <summary>Signature headers that are all wrong in some way: missing, malformed, for other bytes, other secret, stale.</summary>
    private static Gen<(string Name, string Value)[]> BadSignatures(byte[] body)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var hex = Gen.Byte.Array[32].Select(Convert.ToHexStringLower);
        var legacy = Gen.OneOf(
            hex.Select(h => new[] { ("X-Signature", h) }),
            Gen.Const(new[] { ("X-Signature", Signing.Legacy("wrong-secret", body)) }),
            Gen.Const(new[] { ("X-Signature", Signing.Legacy(Runner.Secret, body.Append((byte)' ').ToArray())) }),
            Gen.String.Select(s => new[] { ("X-Signature", new string(s.Where(c => c is > ' ' and < '\u007f').ToArray())) }),
            Gen.Const(Array.Empty<(string, string)>()));
        var standard = Gen.Select(Gen.Long[now - 100_000, now + 100_000], Gen.Int[0, 3], (ts, kind) =>
        {
            var id = "msg_" + ts;
            var t = ts.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return kind switch
            {
                0 => new[] { ("webhook-id", id), ("webhook-timestamp", t), ("webhook-signature", Signing.StandardWebhooks("wrong-secret", id, t, body)) },
                1 => [("webhook-id", id), ("webhook-timestamp", t), ("webhook-signature", "v1," + Convert.ToBase64String(new byte[32]))],
                2 => [("webhook-id", id), ("webhook-timestamp", "yesterday"), ("webhook-signature", Signing.StandardWebhooks(Runner.Secret, id, "yesterday", body))],
                _ => [("webhook-id", id), ("webhook-signature", Signing.StandardWebhooks(Runner.Secret, id, t, body))],
            };
        });
        var staleButCorrect = Gen.Long[3600, 100_000].Select(age =>
        {
            var t = (now - age).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new[] { ("webhook-id", "msg_stale"), ("webhook-timestamp", t), ("webhook-signature", Signing.StandardWebhooks(Runner.Secret, "msg_stale", t, body)) };
        });
        return Gen.OneOf(legacy, standard, staleButCorrect);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? contentType, IEnumerable<(string Name, string Value)> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        if (contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            request.Content.Headers.ContentType = media;
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _runner.Client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    private async Task<string[]> SnapshotAsync() =>
        await Task.WhenAll(_jobs.Select(async j => (await _runner.GetJobAsync(j)).Body.GetRawText()));

    [Fact]
    public async Task Webhook_GeneratedRequests_NeverA5xx_AndNothingChangesWithoutAValidSignature()
    {
        var before = await SnapshotAsync();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var unsigned = Bodies().SelectMany(body => Gen.Select(BadSignatures(body), ContentTypes, (headers, type) => (body, headers, type)));

        await unsigned.SampleAsync(async c =>
        {
            using var response = await PostAsync("/api/webhooks/github", c.body, c.type, c.headers);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.RequestEntityTooLarge, $"unsigned request answered {(int)response.StatusCode}");
            await AssertProblemAsync(response);
        }, iter: 3000, threads: 4);

        Assert.Equal(before, await SnapshotAsync());

        // Correctly signed, but anything inside: answered, never a 5xx.
        var signed = Gen.Select(Bodies(), Gen.Bool, ContentTypes, (body, standard, type) => (body, standard, type));
        await signed.SampleAsync(async c =>
        {
            (string, string)[] headers;
            if (c.standard)
            {
                var id = "msg_" + Guid.NewGuid().ToString("N");
                var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                headers = [("webhook-id", id), ("webhook-timestamp", ts), ("webhook-signature", Signing.StandardWebhooks(Runner.Secret, id, ts, c.body))];
            }
            else
            {
                headers = [("X-Signature", Signing.Legacy(Runner.Secret, c.body))];
            }

            using var response = await PostAsync("/api/webhooks/github", c.body, c.type, headers);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            Assert.True((int)response.StatusCode < 500, $"signed request answered {(int)response.StatusCode}");
            if ((int)response.StatusCode >= 400)
            {
                await AssertProblemAsync(response);
            }
        }, iter: 1500, threads: 4);

        output.WriteLine($"webhook fuzz: 4500 cases (3000 unsigned or badly signed, 1500 signed); answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key}×{s.Value}"))}");
    }

    [Fact]
    public async Task Create_GeneratedRequests_NeverA5xx_AndEvery4xxIsAProblem()
    {
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var agent = Gen.OneOf(Gen.String[0, 80], Gen.Const("ok-agent"), Gen.Char["a-zA-Z0-9_-"].Array[1, 64].Select(c => new string(c)));
        var region = Gen.OneOf(Gen.String[0, 40], Gen.Const("eu-central"), Gen.Char["a-z0-9-"].Array[1, 32].Select(c => new string(c)));
        var json = Gen.Select(agent, region, (a, r) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { agent_id = a, region = r })));
        var bodies = Gen.Frequency((5, json), (2, Bodies()), (1, Gen.Int[16 * 1024 - 64, 16 * 1024 + 1024].Select(n => Encoding.UTF8.GetBytes($"{{\"agent_id\":\"a\",\"region\":\"eu\",\"pad\":\"{new string('p', n)}\"}}"))));
        var keys = Gen.OneOf<string?>(Gen.Const((string?)null!), Gen.String[0, 300].Select(s => (string?)s), Gen.Guid.Select(g => (string?)g.ToString()));
        var cases = Gen.Select(bodies, ContentTypes, keys, (body, type, key) => (body, type, key));

        await cases.SampleAsync(async c =>
        {
            var headers = c.key is null ? [] : new[] { ("Idempotency-Key", c.key) };
            using var response = await PostAsync("/api/jobs", c.body, c.type, headers);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            Assert.True((int)response.StatusCode < 500, $"create answered {(int)response.StatusCode}");
            if ((int)response.StatusCode >= 400)
            {
                await AssertProblemAsync(response);
            }
            else
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }, iter: 2000, threads: 4);

        output.WriteLine($"create fuzz: 2000 cases; answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key}×{s.Value}"))}");
    }
}
