using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Reads flat app settings (CONTRACT.md section 5), refusing a malformed value by name.</summary>
public static class Settings
{
    public static bool Bool(IConfiguration configuration, string key, bool defaultValue) =>
        Read(configuration, key, defaultValue, (string v, out bool r) => bool.TryParse(v, out r), "true or false");

    public static int WholeNumber(IConfiguration configuration, string key, int defaultValue) =>
        Read(configuration, key, defaultValue, (string v, out int r) => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out r), "a whole number");

    public static double Number(IConfiguration configuration, string key, double defaultValue) =>
        Read(configuration, key, defaultValue, (string v, out double r) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out r) && r >= 0, "a number of at least 0");

    /// <summary>An absolute URL that ends in '/', so relative paths are added to it rather than replacing its last segment.</summary>
    public static Uri? BaseUrl(IConfiguration configuration, string key, string? defaultValue = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[key];
        value = string.IsNullOrWhiteSpace(value) ? defaultValue : value.Trim();
        if (value is null)
        {
            return null;
        }

        return Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri)
            ? uri
            : throw Invalid(key, value, "an absolute URL such as https://example.org/");
    }

    public static string? Text(IConfiguration configuration, string key, string? defaultValue = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? defaultValue : value.Trim();
    }

    private delegate bool Parser<T>(string value, out T result);

    private static T Read<T>(IConfiguration configuration, string key, T defaultValue, Parser<T> parse, string expected)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return defaultValue;
        }

        return parse(value.Trim(), out var result) ? result : throw Invalid(key, value, expected);
    }

    private static OptionsValidationException Invalid(string key, string value, string expected) =>
        new(key, typeof(string), [$"{key} must be {expected}, not \"{value}\"."]);
}
