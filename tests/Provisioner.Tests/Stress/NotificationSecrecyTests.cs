using System.Net;
using Provisioner.Tests.Infrastructure;
using Provisioner.Tests.Notifications;

namespace Provisioner.Tests.Stress;

/// <summary>The log-secrecy suite for notifications: the signing secret, the signatures and a token in the receiver's URL never reach the logs.</summary>
// Its own Azurite, as NotificationDeliveryTests: on a shared one, another test's runner can take this
// runner's notification messages off the shared queue and log their delivery where this test cannot see it.
public sealed class NotificationSecrecyTests(Azurite azurite) : IClassFixture<Azurite>
{
    [Fact]
    public async Task Logs_NeverContainTheNotifySecret_ItsSignatures_OrTheUrlsToken()
    {
        var secret = WebhookReceiver.NewSecret();
        const string token = "url-token-that-must-not-leak";
        await using var receiver = await WebhookReceiver.StartAsync();
        var calls = 0;
        receiver.Answer = _ => Interlocked.Increment(ref calls) switch
        {
            1 => (500, null),
            _ => (200, null),
        };
        var settings = NotifyTesting.Settings(receiver, secret);
        settings["NOTIFY_URL"] = receiver.Url + "?token=" + token;
        await using var runner = await Runner.StartAsync(azurite, settings);
        var job = await runner.NewJobAsync();
        await NotifyTesting.RunningAsync(runner, job);
        var failed = await runner.NewJobAsync();
        await NotifyTesting.FailedAsync(runner, failed);
        await Eventually.WaitAsync(() => Task.FromResult(receiver.Received.Count), n => n >= 3, what: "a failed attempt and two deliveries");

        // The receiver counts a request when it arrives; the app logs the answer once it is back. The
        // failed attempt's line (which names the receiver) and a delivery's line must be among the lines checked.
        await Eventually.WaitAsync(
            () => Task.FromResult(runner.Logs.Lines.ToList()),
            logged => logged.Any(l => l.Contains("failed (status 500)", StringComparison.Ordinal)) && logged.Any(l => l.Contains(" delivered on attempt ", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60),
            what: "the log lines of the failed attempt and of a delivery");
        var lines = runner.Logs.Lines.ToList();
        var key = secret["whsec_".Length..];
        foreach (var line in lines)
        {
            Assert.DoesNotContain(key, line, StringComparison.Ordinal);
            Assert.DoesNotContain(token, line, StringComparison.Ordinal);
            foreach (var delivery in receiver.Received)
            {
                Assert.DoesNotContain(delivery.Signature![3..], line, StringComparison.Ordinal);
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await runner.GetJobAsync(job)).Response.StatusCode);
    }
}
