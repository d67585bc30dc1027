using System.Buffers.Text;
using System.Text;

namespace Provisioner.Functions.Http;

/// <summary>
/// The continuation token of a paged list (the job lists, the audit log): the RowKey the page
/// ended on, base64url-encoded. It carries no filter, so it only says where to go on; a token that
/// does not decode to a key of that list is the caller's error (<c>400</c>).
/// </summary>
internal static class ContinuationToken
{
    private const int MaxLength = 128;

    public static string Encode(string rowKey) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(rowKey));

    /// <summary>The RowKey <paramref name="token"/> carries, when it is one <paramref name="isRowKey"/> accepts.</summary>
    public static bool TryDecode(string token, Func<string, bool> isRowKey, out string rowKey)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(isRowKey);
        rowKey = "";
        if (token.Length is 0 or > MaxLength || !Base64Url.IsValid(token))
        {
            return false;
        }

        var decoded = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token));
        if (!isRowKey(decoded))
        {
            return false;
        }

        rowKey = decoded;
        return true;
    }
}
