using System.Buffers.Text;
using System.Text;

namespace Provisioner.Functions.Audit;

/// <summary>
/// The continuation token of the audit log: the RowKey the page ended on, base64url-encoded, as
/// the job lists do. It carries no filter; a token that does not decode to such a key is the caller's error.
/// </summary>
internal static class AuditContinuation
{
    public static string Encode(string rowKey) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(rowKey));

    public static bool TryDecode(string token, out string rowKey)
    {
        rowKey = "";
        if (token.Length is 0 or > 128 || !Base64Url.IsValid(token))
        {
            return false;
        }

        var decoded = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token));
        if (!AuditLog.IsRowKey(decoded))
        {
            return false;
        }

        rowKey = decoded;
        return true;
    }
}
