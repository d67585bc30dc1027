using System.Globalization;
using System.Text.Json;
using Provisioner.Functions.Jobs;
using static Provisioner.Tests.Jobs.JobScenario;

namespace Provisioner.Tests.Jobs;

/// <summary>
/// The cost of a server (Jobs/Costs) against Hetzner's billing rule. Hetzner's billing FAQ
/// (docs.hetzner.com/cloud/billing/faq): "Servers have both a monthly price cap and a price per
/// hour. Your server's bill will never exceed its monthly price cap", you are billed "the
/// minimum amount" of the cap "OR the hourly price multiplied by the number of hours", and
/// "hourly usage is always rounded up": a server that lives a few minutes costs a full hour.
/// Hetzner's billing system page (docs.hetzner.com/general/billing-and-account-management/
/// billing-at-hetzner/billing-system-hetzner): "We round up partial hours. The total costs is
/// never more than the monthly price", and each invoice covers a calendar month.
/// The price: cx33 in fsn1, EUR 0.0104 an hour and 6.49 a month net, as Hetzner's price list
/// (GET /v1/pricing, location fsn1) gave it on 2026-05-27; gross with Germany's 19 % VAT,
/// 0.012376 and 7.7231.
/// </summary>
public sealed class CostsTests
{
    private const decimal HourlyGross = 0.012376m;
    private const decimal MonthlyGross = 7.7231m;
    private static readonly ServerPrice Cx33Fsn1 = new(0.0104m, HourlyGross, 6.49m, MonthlyGross, "EUR");
    private static readonly DateTimeOffset Created = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 1, "0.012376")]                // created: the first hour has started
    [InlineData(1, 1, "0.012376")]                // a minute
    [InlineData(59, 1, "0.012376")]
    [InlineData(60, 1, "0.012376")]               // exactly one hour
    [InlineData(61, 2, "0.024752")]               // a minute into the second hour
    [InlineData(24 * 60, 24, "0.297024")]         // a day
    [InlineData(624 * 60, 624, "7.722624")]       // 624 hours: still below the cap
    [InlineData(625 * 60, 625, "7.7231")]         // 625 × 0.012376 = 7.735 > 7.7231: the monthly cap
    [InlineData(27 * 24 * 60, 648, "7.7231")]     // 27 days, all in March
    public void StartedHoursTimesHourly_CappedAtTheMonthlyPrice(int minutes, long hours, string expected)
    {
        var until = Created.AddMinutes(minutes);
        Assert.Equal(hours, Costs.StartedHours(Created, until));
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), Costs.Billed(HourlyGross, MonthlyGross, Created, until));
    }

    [Fact]
    public void EachCalendarMonthHasItsOwnCap()
    {
        // 2026-03-04 10:00 to 2026-04-30 10:00: March's 662 hours are capped; April's 706 hours are capped too.
        var until = new DateTimeOffset(2026, 4, 30, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(2 * MonthlyGross, Costs.Billed(HourlyGross, MonthlyGross, Created, until));

        // Over midnight into a new month: 10 hours in March, 2 in April, each under its cap.
        var lateMarch = new DateTimeOffset(2026, 3, 31, 14, 30, 0, TimeSpan.Zero);
        Assert.Equal(12 * HourlyGross, Costs.Billed(HourlyGross, MonthlyGross, lateMarch, lateMarch.AddHours(11.5)));
    }

    private static Job Created_(ServerPrice? price) =>
        Apply(Provisioning(), Step("vm_created")) with { Price = price };

    [Fact]
    public void Of_SoFarWhileTheServerExists_FinalOnceRemoved()
    {
        var job = Created_(Cx33Fsn1);
        var since = job.VmCreatedAt!.Value;

        var running = Costs.Of(job, since.AddMinutes(90))!;
        Assert.Equal(("EUR", "0.012376", since, "0.024752", (string?)null), (running.Currency, running.HourlyGross, running.Since, running.SoFarGross, running.FinalGross));

        var removed = Costs.Of(job with { ServerRemovedAt = since.AddMinutes(150) }, since.AddDays(3))!;
        Assert.Equal(("0.037128", "0.037128"), (removed.SoFarGross, removed.FinalGross)); // 3 started hours; later reads do not grow it

        Assert.Null(Costs.Of(Created_(null), since.AddHours(1)));                           // no price reported
        Assert.Null(Costs.Of(job with { Kind = JobKind.Deprovision }, since.AddHours(1)));  // a removal has no server of its own
    }

    [Fact]
    public void Of_ARunThatFailedWithoutKeepingItsServer_EndsAtTheFailure()
    {
        var failed = Apply(Created_(Cx33Fsn1), Failed("install"));
        var cost = Costs.Of(failed, failed.Failure!.At.AddDays(1))!;
        Assert.Equal("0.012376", cost.FinalGross);

        var kept = failed with { ServerKeptUntil = failed.Failure.At.AddMinutes(30) };
        Assert.Null(Costs.Of(kept, failed.Failure.At.AddHours(2))!.FinalGross); // held: it still exists
    }

    private static JsonElement Body(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void ServerPrices_ReadsHetznersDecimalStrings()
    {
        Assert.True(ServerPrices.TryRead(Body("""{"price":{"hourly_net":"0.0104000000","hourly_gross":"0.0123760000000000","monthly_net":"6.4900000000","monthly_gross":"7.7231000000000000","currency":"EUR"}}"""), out var price, out var dropped));
        Assert.Null(dropped);
        Assert.Equal(Cx33Fsn1, price);
        Assert.Equal("7.7231", ServerPrice.Text(price!.MonthlyGross));

        Assert.True(ServerPrices.TryRead(Body("{}"), out price, out dropped));
        Assert.Null(price);
        Assert.Null(dropped);
    }

    [Theory]
    [InlineData("\"cheap\"", "not an object")]
    [InlineData("""{"hourly_net":0.0104,"hourly_gross":"0.012376","monthly_net":"6.49","monthly_gross":"7.7231","currency":"EUR"}""", "hourly_net")]
    [InlineData("""{"hourly_net":"-1","hourly_gross":"0.012376","monthly_net":"6.49","monthly_gross":"7.7231","currency":"EUR"}""", "hourly_net")]
    [InlineData("""{"hourly_net":"0.0104","hourly_gross":"1e3","monthly_net":"6.49","monthly_gross":"7.7231","currency":"EUR"}""", "hourly_gross")]
    [InlineData("""{"hourly_net":"0.0104","hourly_gross":"0.012376","monthly_net":"6.49","currency":"EUR"}""", "monthly_gross")]
    [InlineData("""{"hourly_net":"0.0104","hourly_gross":"0.012376","monthly_net":"6.49","monthly_gross":"7.7231","currency":"euro"}""", "currency")]
    [InlineData("""{"hourly_net":"0.0104","hourly_gross":"0.001","monthly_net":"6.49","monthly_gross":"7.7231","currency":"EUR"}""", "add up")]
    public void ServerPrices_DropsAMalformedPrice_SayingWhy(string price, string why)
    {
        Assert.False(ServerPrices.TryRead(Body($"{{\"price\":{price}}}"), out var read, out var dropped));
        Assert.Null(read);
        Assert.Contains(why, dropped, StringComparison.Ordinal);
    }

    [Fact]
    public void TheParser_KeepsAVmCreatedWithAMalformedPrice_AndDropsOnlyThePrice()
    {
        var body = "{\"job_id\":\"" + JobId + "\",\"status\":\"provisioning\",\"step\":\"vm_created\",\"server_type\":\"cx33\",\"location\":\"fsn1\",\"price\":{\"hourly_net\":\"x\"}}";
        Assert.True(CallbackParser.TryParse(System.Text.Encoding.UTF8.GetBytes(body), out var callback, out var error), error);
        Assert.Equal(("cx33", "fsn1"), (callback.ServerType, callback.Location));
        Assert.Null(callback.Price);
        Assert.NotNull(callback.PriceDropped);
    }
}
