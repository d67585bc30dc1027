using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// <c>.github/scripts/server-price.sh</c>, which the provision workflow's vm_created step runs: it
/// reads one type's price for one location from a stand-in for Hetzner's <c>GET /server_types</c>
/// (the answer shaped as Hetzner documents it) and prints the callback's <c>price</c>; anything
/// wrong prints nothing and still exits 0, so a price never fails a run.
/// </summary>
public sealed class ServerPriceScriptTests : IAsyncLifetime
{
    /// <summary>Hetzner's answer for one type, two locations (prices as strings, net and gross, hourly and monthly).</summary>
    private const string ServerTypes = """
        {"server_types":[{"id":116,"name":"cx33","cores":4,"memory":8.0,"disk":80,
          "prices":[
            {"location":"fsn1","price_hourly":{"net":"0.0104000000","gross":"0.0123760000000000"},"price_monthly":{"net":"6.4900000000","gross":"7.7231000000000000"},"included_traffic":21990232555520,"price_per_tb_traffic":{"net":"1.0000000000","gross":"1.1900000000000000"}},
            {"location":"hel1","price_hourly":{"net":"0.0104000000","gross":"0.0130000000000000"},"price_monthly":{"net":"6.4900000000","gross":"8.1125000000000000"},"included_traffic":21990232555520,"price_per_tb_traffic":{"net":"1.0000000000","gross":"1.2500000000000000"}}
          ]}],"meta":{"pagination":{"page":1,"per_page":25,"previous_page":null,"next_page":null,"last_page":1,"total_entries":1}}}
        """;

    private FakeGitHub _hetzner = null!;

    public async Task InitializeAsync() => _hetzner = await FakeGitHub.StartAsync();

    public async Task DisposeAsync() => await _hetzner.DisposeAsync();

    private async Task<(int ExitCode, string Price, string Output)> RunAsync(string type, string location, string? token = "hcloud-test")
    {
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "server-price.sh"), type, location])
            {
                WorkingDirectory = RepositoryRoot.Path,
                Environment = new Dictionary<string, string?>
                {
                    ["HCLOUD_TOKEN"] = token,
                    ["HCLOUD_API_URL"] = _hetzner.BaseUrl.ToString().TrimEnd('/') + "/v1",
                    ["HETZNER_PRICE_CURRENCY"] = null,
                },
            },
            TimeSpan.FromSeconds(60));
        return (run.ExitCode, run.StandardOutput.Trim(), run.Output);
    }

    [Fact]
    public async Task PrintsThePriceOfTheTypeInThatLocation_AskingForThatTypeOnly()
    {
        _hetzner.Route = r => r is { Method: "GET", Path: "/v1/server_types" } ? new FakeGitHub.Answer(200, ServerTypes) : null;

        var (exit, price, _) = await RunAsync("cx33", "hel1");

        Assert.Equal(0, exit);
        Assert.Equal("""{"hourly_net":"0.0104000000","hourly_gross":"0.0130000000000000","monthly_net":"6.4900000000","monthly_gross":"8.1125000000000000","currency":"EUR"}""", price);
        var request = Assert.Single(_hetzner.Requests);
        Assert.Equal("?name=cx33", request.Query);
        Assert.Equal("Bearer hcloud-test", request.Authorization);
    }

    [Fact]
    public async Task NothingToSay_PrintsNothing_ExitsZero()
    {
        _hetzner.Route = r => r.Path == "/v1/server_types" ? new FakeGitHub.Answer(200, ServerTypes) : null;
        Assert.Equal((0, ""), Pick(await RunAsync("cx33", "ash")));      // not sold there
        Assert.Equal((0, ""), Pick(await RunAsync("cx99", "fsn1")));     // no such type in the answer
        Assert.Equal((0, ""), Pick(await RunAsync("cx33", "fsn1", token: null))); // no token: not even asked
        Assert.Equal((0, ""), Pick(await RunAsync("CX33;rm", "fsn1")));  // not a type name
        Assert.Equal(2, _hetzner.Requests.Count);

        _hetzner.Route = _ => new FakeGitHub.Answer(503, "{\"error\":{\"code\":\"unavailable\"}}");
        var (exit, price, output) = await RunAsync("cx33", "fsn1");
        Assert.Equal((0, ""), (exit, price));
        Assert.Contains("no price sent", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hcloud-test", output, StringComparison.Ordinal);

        _hetzner.Route = _ => new FakeGitHub.Answer(200, ServerTypes.Replace("\"0.0104000000\"", "0.0104", StringComparison.Ordinal)); // a number, not a string
        Assert.Equal((0, ""), Pick(await RunAsync("cx33", "fsn1")));
    }

    private static (int, string) Pick((int ExitCode, string Price, string Output) run) => (run.ExitCode, run.Price);
}
