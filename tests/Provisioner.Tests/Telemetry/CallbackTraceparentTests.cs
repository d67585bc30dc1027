using Provisioner.Tests.Notifications;

namespace Provisioner.Tests.Telemetry;

/// <summary>callback.sh sends the dispatch's trace context back, so the run's callbacks join the job's trace; anything else in TRACEPARENT is not sent.</summary>
public sealed class CallbackTraceparentTests
{
    private static async Task<WebhookReceiver.Delivery> CallbackAsync(string? traceparent)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            ["CALLBACK_URL"] = receiver.Url,
            ["JOB_ID"] = Guid.NewGuid().ToString(),
            ["CALLBACK_SECRET"] = WebhookReceiver.NewSecret(),
            ["GITHUB_RUN_ID"] = "42",
            ["GITHUB_RUN_ATTEMPT"] = "1",
            ["GITHUB_SERVER_URL"] = "https://github.com",
            ["GITHUB_REPOSITORY"] = "octo/infra",
            ["RUNNER_TEMP"] = Path.GetTempPath(),
            ["CALLBACK_MAX_ATTEMPTS"] = "1",
            ["TRACEPARENT"] = traceparent,
        };
        var run = await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", [Path.Combine(".github", "scripts", "callback.sh"), "heartbeat"]) { WorkingDirectory = RepositoryRoot.Path, Environment = environment },
            TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.Output);
        return Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task CallbackScript_WithTheTraceparentInput_SendsItBack()
    {
        const string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Assert.Equal(traceparent, (await CallbackAsync(traceparent)).Traceparent);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\nX-Injected: 1")]
    [InlineData("not a traceparent")]
    public async Task CallbackScript_WithoutAValidTraceparent_SendsNone(string? traceparent) =>
        Assert.Null((await CallbackAsync(traceparent)).Traceparent);
}
