namespace Provisioner.Functions.Simulator;

/// <summary>
/// The price the simulated workflow reports with <c>vm_created</c>, shaped as Hetzner's
/// <c>GET /server_types</c> gives it: cx33 in fsn1 at EUR 0.0104 an hour and 6.49 a month net
/// (Hetzner's price list, May 2026), gross with Germany's 19 % VAT. A sample, not a quote.
/// </summary>
internal static class SimulatedPrice
{
    public const string ServerType = "cx33";
    public const string Location = "fsn1";

    public static readonly object Price = new
    {
        hourly_net = "0.0104",
        hourly_gross = "0.012376",
        monthly_net = "6.49",
        monthly_gross = "7.7231",
        currency = "EUR",
    };
}
