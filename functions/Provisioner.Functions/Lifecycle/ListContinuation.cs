using System.Buffers.Text;
using System.Text;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifecycle;

/// <summary>
/// The continuation token of a job list: the list entry the page ended on, base64url-encoded.
/// It carries no filter, so it only says where to go on; a token that does not decode to an
/// entry key is the caller's error.
/// </summary>
internal static class ListContinuation
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
        if (!JobIndex.IsRowKey(decoded))
        {
            return false;
        }

        rowKey = decoded;
        return true;
    }
}
