using System.ComponentModel;
using System.Globalization;

namespace Provisioner.Functions.Configuration;

/// <summary>
/// The value of a setting that may instead come as a section, as <c>AzureWebJobsStorage</c> (a
/// connection string) and <c>AzureWebJobsStorage__accountName</c> (identity-based) do. Bound as a
/// plain <see cref="string"/>, the binder fails when only the section is set (it tries to build a
/// string from the section); this type takes the value when there is one and is empty otherwise.
/// </summary>
[TypeConverter(typeof(Converter))]
public sealed class SectionValue
{
    public SectionValue()
    {
    }

    private SectionValue(string value) => Value = value;

    /// <summary>The setting's own value; null when only its section is set.</summary>
    public string? Value { get; }

    private sealed class Converter : TypeConverter
    {
        public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
            sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

        public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
            value is string text ? new SectionValue(text) : base.ConvertFrom(context, culture, value);
    }
}
