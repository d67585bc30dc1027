using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Provisioner.Functions.Jobs;

/// <summary>
/// What Hetzner charges for the server a run created (docs/cost.md): the type's price for its
/// location, as Hetzner's <c>GET /server_types</c> gives it (<c>prices[].price_hourly</c> and
/// <c>price_monthly</c>, each net and gross), sent by the workflow with <c>vm_created</c>.
/// </summary>
internal sealed record ServerPrice(decimal HourlyNet, decimal HourlyGross, decimal MonthlyNet, decimal MonthlyGross, string Currency)
{
    public static string Text(decimal amount) => amount.ToString("0.############################", CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads the <c>server_type</c>, <c>location</c> and <c>price</c> of a <c>vm_created</c> callback.
/// A malformed value is dropped with the reason, never refused: the price is for the page, and a
/// run must not fail over it.
/// </summary>
internal static partial class ServerPrices
{
    public const int MaxNameLength = 32;

    /// <summary>The server type (<c>cx22</c>), or null when absent or not a short lower-case name.</summary>
    public static string? Name(JsonElement root, string field) =>
        JsonObjectBody.TextOf(root, field) is { } text && NamePattern().IsMatch(text) ? text : null;

    /// <summary>
    /// The <c>price</c> of <paramref name="root"/>: true with null when there is none; false with
    /// <paramref name="dropped"/> saying why when it is there but malformed (then it is dropped).
    /// </summary>
    public static bool TryRead(JsonElement root, out ServerPrice? price, out string? dropped)
    {
        price = null;
        dropped = null;
        if (!root.TryGetProperty("price", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            dropped = "price is not an object {hourly_net, hourly_gross, monthly_net, monthly_gross, currency}";
            return false;
        }

        var amounts = new decimal[4];
        string[] names = ["hourly_net", "hourly_gross", "monthly_net", "monthly_gross"];
        for (var i = 0; i < names.Length; i++)
        {
            if (!TryAmount(element, names[i], out amounts[i]))
            {
                dropped = $"price.{names[i]} is not a decimal string such as \"0.0060\"";
                return false;
            }
        }

        var currency = JsonObjectBody.TextOf(element, "currency");
        if (currency is null || !CurrencyPattern().IsMatch(currency))
        {
            dropped = "price.currency is not a three-letter code such as \"EUR\"";
            return false;
        }

        if (amounts[1] < amounts[0] || amounts[3] < amounts[2] || amounts[3] < amounts[1])
        {
            dropped = "price does not add up (gross below net, or the monthly cap below the hourly price)";
            return false;
        }

        price = new ServerPrice(amounts[0], amounts[1], amounts[2], amounts[3], currency);
        return true;
    }

    private static bool TryAmount(JsonElement price, string name, out decimal amount)
    {
        amount = 0;
        return JsonObjectBody.TextOf(price, name) is { } text
            && AmountPattern().IsMatch(text)
            && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out amount);
    }

    [GeneratedRegex("^[0-9]{1,9}(\\.[0-9]{1,16})?$", RegexOptions.CultureInvariant)]
    private static partial Regex AmountPattern();

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
