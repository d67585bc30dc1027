using System.Net;
using System.Text.Json;
using Provisioner.Tests.Infrastructure;
using Provisioner.Tests.Workflow;

namespace Provisioner.Tests.Teardown;

/// <summary>
/// A deprovision job dispatched through the queue trigger to a fake GitHub over HTTP: the
/// workflow file and inputs it sends are the ones <c>deprovision-agent.yml</c> declares.
/// Own Azurite: a dispatching runner would take other tests' messages.
/// </summary>
public sealed class DeprovisionDispatchTests : IAsyncLifetime
{
    private DispatchingRunner _setup = null!;

    private FakeGitHub _github => _setup.GitHub;

    private Runner _runner => _setup.Runner;

    public async Task InitializeAsync() => _setup = await DispatchingRunner.StartAsync();

    public async Task DisposeAsync() => await _setup.DisposeAsync();

    [Fact]
    public async Task Delete_DispatchesDeprovisionAgentYml_WithTheInputsItDeclares()
    {
        _github.Then(200, "{\"workflow_run_id\": 5001, \"html_url\": \"https://github.com/octo/infra/actions/runs/5001\"}");
        _github.Then(200, "{\"workflow_run_id\": 5002, \"html_url\": \"https://github.com/octo/infra/actions/runs/5002\"}");
        var agent = Runner.NewAgentId();
        var provision = await _runner.NewJobAsync(agent);
        await _github.WaitForRequestsAsync(1);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{provision}\",\"status\":\"provisioning\",\"workflow_run_id\":\"5001\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{provision}\",\"status\":\"running\",\"server_id\":\"58391234\",\"server_ip\":\"203.0.113.10\",\"tailscale_ip\":\"100.64.0.10\"}}")).StatusCode);

        using var delete = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var job = (await Runner.ReadJsonAsync(delete)).GetProperty("job_id").GetGuid();
        await _github.WaitForRequestsAsync(2);

        var request = _github.Requests.ElementAt(1);
        Assert.Equal("POST", request.Method);
        Assert.EndsWith("/repos/octo/infra/actions/workflows/deprovision-agent.yml/dispatches", request.Path, StringComparison.Ordinal);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("main", body.GetProperty("ref").GetString());
        var inputs = body.GetProperty("inputs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(job.ToString(), inputs["job_id"]);
        Assert.Equal(agent, inputs["agent_id"]);
        Assert.Equal("58391234", inputs["server_id"]);
        Assert.Equal(new Uri(_runner.Client.BaseAddress!, "/api/webhooks/github").AbsoluteUri, inputs["callback_url"]);

        // Every input sent is declared, and every required input is sent: GitHub answers 422 otherwise.
        var declared = WorkflowYaml.Workflow("deprovision-agent.yml")["on"]!["workflow_dispatch"]!["inputs"]!.AsObject();
        Assert.All(inputs.Keys, k => Assert.True(declared.ContainsKey(k), $"{k} is declared"));
        Assert.All(declared.Where(d => d.Value!["required"]?.ToString().ToLowerInvariant() == "true"), d => Assert.Contains(d.Key, inputs.Keys));

        var document = await Eventually.WaitAsync(async () => (await _runner.GetJobAsync(job)).Body, d => d.GetProperty("workflow_run_id").ValueKind == JsonValueKind.String, what: "run id recorded");
        Assert.Equal("5002", document.GetProperty("workflow_run_id").GetString());
    }
}
