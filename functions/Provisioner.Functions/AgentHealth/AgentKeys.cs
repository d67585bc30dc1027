using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// The per-agent credential: <c>ak1_{job id, 32 hex}_{HMAC-SHA256, base64url}</c>, the MAC taken
/// under <c>AGENT_KEY_SECRET</c> over the job id, the agent id and the workflow run that claimed
/// the job. Nothing is stored: the same run claiming again gets the same key, a key names its
/// job so checking it needs only that job, and without the server secret no key can be made.
/// The domain prefix keeps these MACs apart from anything else the secret might ever sign.
/// </summary>
internal sealed class AgentKeys
{
    public const string Prefix = "ak1_";
    private const string Domain = "provisioner agent key v1";

    private readonly byte[] _key;

    private AgentKeys(byte[] key) => _key = key;

    /// <summary>Keys from a secret given as <c>whsec_</c>+base64 (or, like the callback secret, plain text of at least 32 characters).</summary>
    public static bool TryCreate(string secret, [NotNullWhen(true)] out AgentKeys? keys, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(secret);
        keys = null;
        if (!SigningKeys.TryCreateForDerivation(secret, out var signing, out error))
        {
            return false;
        }

        keys = new AgentKeys(signing.StandardWebhooks);
        return true;
    }

    public string Issue(Guid jobId, string agentId, string workflowRunId) =>
        Prefix + jobId.ToString("N") + "_" + Base64Url(Mac(jobId, agentId, workflowRunId));

    /// <summary>The job a key names, read from its text alone; false when it is not shaped like a key.</summary>
    public static bool TryReadJob(string? key, out Guid jobId)
    {
        jobId = Guid.Empty;
        return key is { Length: 4 + 32 + 1 + 43 }
            && key.StartsWith(Prefix, StringComparison.Ordinal)
            && key[36] == '_'
            && Guid.TryParseExact(key.AsSpan(4, 32), "N", out jobId);
    }

    /// <summary>
    /// Whether <paramref name="key"/> is the key of that job, agent and run: the key expected is
    /// made again and compared with the one given in constant time over their raw bytes, so only
    /// the one canonical spelling of a key is accepted.
    /// </summary>
    public bool Verify(string key, Guid jobId, string agentId, string workflowRunId)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!TryReadJob(key, out var named) || named != jobId)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(key), Encoding.ASCII.GetBytes(Issue(jobId, agentId, workflowRunId)));
    }

    private byte[] Mac(Guid jobId, string agentId, string workflowRunId) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{Domain}\n{jobId:D}\n{agentId}\n{workflowRunId}"));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
