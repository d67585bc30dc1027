using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.KeptServers;

/// <summary>
/// What the dispatch sends GitHub for a run from the start and for a re-run from the failed step,
/// through the runner's queue trigger, against Azurite and a fake GitHub over HTTP. Own Azurite:
/// a dispatching runner would otherwise take other tests' messages.
/// </summary>
public sealed class ResumeDispatchTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private FakeGitHub _github => _setup.GitHub;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartAsync(new Dictionary<string, string?>
    {
        ["KEEP_FAILED_SERVER_MINUTES"] = "45",
    });

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    private JsonElement InputsOf(int request) => JsonDocument.Parse(_github.Requests.ToArray()[request].Body).RootElement.GetProperty("inputs").Clone();

    [Fact]
    public async Task RetryFromFailedStep_DispatchedWithResumeFromAndServerId_RunFromStartWithoutThem()
    {
        _github.Then(200, "{\"workflow_run_id\": 501, \"html_url\": \"https://github.com/octo/infra/actions/runs/501\"}");
        var first = await _runner.NewJobAsync();
        await _github.WaitForRequestsAsync(1);

        var fromStart = InputsOf(0);
        Assert.Equal("45", fromStart.GetProperty("keep_failed_server_minutes").GetString());
        Assert.False(fromStart.TryGetProperty("resume_from", out _));
        Assert.False(fromStart.TryGetProperty("server_id", out _));

        // The run claims, fails at Configuring Agent and keeps its server.
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{first}\",\"status\":\"provisioning\",\"workflow_run_id\":\"501\"}}")).StatusCode);
        var keptUntil = DateTimeOffset.UtcNow.AddMinutes(45).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{first}\",\"workflow_run_id\":\"501\",\"status\":\"failed\",\"failed_step\":\"configure\",\"step\":\"configure\",\"error\":\"x\",\"server_id\":\"88\",\"server_kept_until\":\"{keptUntil}\"}}")).StatusCode);

        _github.Then(200, "{\"workflow_run_id\": 502, \"html_url\": \"https://github.com/octo/infra/actions/runs/502\"}");
        using var content = new StringContent("{\"from\":\"failed_step\"}", Encoding.UTF8, "application/json");
        using var retry = await _runner.Client.PostAsync(new Uri($"/api/jobs/{first}/retry", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var second = (await Runner.ReadJsonAsync(retry)).GetProperty("job_id").GetGuid();
        await _github.WaitForRequestsAsync(2);

        var resumed = InputsOf(1);
        Assert.Equal(second.ToString(), resumed.GetProperty("job_id").GetString());
        Assert.Equal("configure", resumed.GetProperty("resume_from").GetString());
        Assert.Equal("88", resumed.GetProperty("server_id").GetString());
        Assert.Equal("45", resumed.GetProperty("keep_failed_server_minutes").GetString());

        // The re-run claims under its own run id, as any run does.
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendStandardAsync($"{{\"job_id\":\"{second}\",\"status\":\"provisioning\",\"workflow_run_id\":\"502\"}}")).StatusCode);
        var document = (await _runner.GetJobAsync(second)).Body;
        Assert.Equal("provisioning", document.GetProperty("status").GetString());
        Assert.Equal("configure", document.GetProperty("resume_from").GetString());
    }
}
