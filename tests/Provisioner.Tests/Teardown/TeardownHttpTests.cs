using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Teardown;

/// <summary>
/// DELETE /api/agents/{agent_id}/server over HTTP against Azurite; the deprovision workflow's
/// callbacks are sent by hand (dispatch is off), as it would send them.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class TeardownHttpTests(Azurite azurite) : IAsyncLifetime
{
    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private async Task SendAsync(Guid job, string fields)
    {
        var response = await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",{fields}}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<(string Agent, Guid Job)> RunningAgentAsync(string serverId = "58001")
    {
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        await SendAsync(job, $"\"status\":\"provisioning\",\"workflow_run_id\":\"{Random.Shared.Next(1000, 9999)}\"");
        await SendAsync(job, $"\"status\":\"running\",\"server_id\":\"{serverId}\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"");
        return (agent, job);
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> DeleteAsync(string agent)
    {
        var response = await _runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        return (response, await Runner.ReadJsonAsync(response));
    }

    private async Task<JsonElement> ProvisioningAsync(string agent) =>
        await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/provisioning", UriKind.Relative)));

    private static string[] States(JsonElement document) =>
        document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()!).ToArray();

    [Fact]
    public async Task Delete_RunningAgent_StartsADeprovisionJobWithItsOwnSteps()
    {
        var (agent, provision) = await RunningAgentAsync();

        var (response, body) = await DeleteAsync(agent);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = body.GetProperty("job_id").GetGuid();
        Assert.NotEqual(provision, job);
        Assert.Equal($"/api/jobs/{job}", response.Headers.Location?.OriginalString);
        Assert.Equal("deprovision", body.GetProperty("kind").GetString());
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("attempt").GetInt32());
        Assert.Equal(["queued", "removing", "removed"], body.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(["Queued", "Removing Server", "Removed"], body.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("label").GetString()));
        Assert.Equal(["active", "pending", "pending"], States(body));
        Assert.Equal("58001", body.GetProperty("server").GetProperty("id").GetString());
        Assert.Equal("203.0.113.7", body.GetProperty("server").GetProperty("ip").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("current_step").ValueKind);

        // The provisioning document keeps the provision job; the lists show both kinds.
        var document = await ProvisioningAsync(agent);
        Assert.Equal(provision, document.GetProperty("job_id").GetGuid());
        Assert.Equal("provision", document.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("server").GetProperty("removed_at").ValueKind);
        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)));
        Assert.Equal([(job, "deprovision"), (provision, "provision")], list.GetProperty("jobs").EnumerateArray().Select(j => (j.GetProperty("job_id").GetGuid(), j.GetProperty("kind").GetString())));
    }

    [Fact]
    public async Task Deprovision_ReportsRunning_ProvisionJobShowsTheServerRemoved_ThenDeleteIs404AndACreateWorks()
    {
        var (agent, provision) = await RunningAgentAsync("58002");
        var job = (await DeleteAsync(agent)).Body.GetProperty("job_id").GetGuid();

        // While it runs, the agent is held: another DELETE and a create are refused, naming it.
        var (again, refusal) = await DeleteAsync(agent);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(job, refusal.GetProperty("job_id").GetGuid());
        Assert.Contains("deprovision", refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await _runner.CreateJobAsync(agent)).Response.StatusCode);

        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"777\"");
        var removing = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("provisioning", removing.GetProperty("status").GetString());
        Assert.Equal(["completed", "active", "pending"], States(removing));

        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"58002\"");

        var done = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("running", done.GetProperty("status").GetString());
        Assert.Equal(["completed", "completed", "completed"], States(done));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("health").ValueKind);
        Assert.All(done.GetProperty("steps").EnumerateArray(), s => Assert.NotEqual(JsonValueKind.Null, s.GetProperty("completed_at").ValueKind));

        var document = await ProvisioningAsync(agent);
        Assert.Equal(provision, document.GetProperty("job_id").GetGuid());
        Assert.Equal("running", document.GetProperty("status").GetString());
        var server = document.GetProperty("server");
        Assert.Equal("58002", server.GetProperty("id").GetString());
        Assert.Equal(done.GetProperty("steps")[2].GetProperty("completed_at").GetString(), server.GetProperty("removed_at").GetString());
        Assert.Equal(job, server.GetProperty("removed_by_job_id").GetGuid());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("health").ValueKind);

        var (second, problem) = await DeleteAsync(agent);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Contains("removed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (created, next) = await _runner.CreateJobAsync(agent);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.Equal(next.GetProperty("job_id").GetGuid(), (await ProvisioningAsync(agent)).GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task Delete_MarkLostToACrash_IsRepairedByTheNextDelete()
    {
        var (agent, provision) = await RunningAgentAsync();
        var job = (await DeleteAsync(agent)).Body.GetProperty("job_id").GetGuid();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"778\"");
        await SendAsync(job, "\"status\":\"running\",\"server_id\":\"58001\"");

        // As if the app had stopped between the deprovision job's callback and the mark.
        var jobs = _runner.Table(StorageNames.JobsTable);
        var row = (await jobs.GetEntityAsync<TableEntity>(provision.ToString("D"), JobEntity.Row)).Value;
        row.Remove(nameof(JobEntity.ServerRemovedAt));
        row.Remove(nameof(JobEntity.ServerRemovedByJobId));
        await jobs.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        Assert.Equal(JsonValueKind.Null, (await ProvisioningAsync(agent)).GetProperty("server").GetProperty("removed_at").ValueKind);

        var (response, _) = await DeleteAsync(agent);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(job, (await ProvisioningAsync(agent)).GetProperty("server").GetProperty("removed_by_job_id").GetGuid());
    }

    [Fact]
    public async Task Delete_MarkLostToACrash_IsRepairedByTheCallbackSentAgain()
    {
        var (agent, provision) = await RunningAgentAsync();
        var job = (await DeleteAsync(agent)).Body.GetProperty("job_id").GetGuid();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"779\"");
        var success = $"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"58001\"}}";
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync(success)).StatusCode);
        var jobs = _runner.Table(StorageNames.JobsTable);
        var row = (await jobs.GetEntityAsync<TableEntity>(provision.ToString("D"), JobEntity.Row)).Value;
        row.Remove(nameof(JobEntity.ServerRemovedAt));
        await jobs.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        // The workflow's callback.sh sends it again after a 5xx: a duplicate, acknowledged, and the mark applied.
        Assert.Equal(HttpStatusCode.OK, (await _runner.SendLegacyAsync(success)).StatusCode);

        Assert.NotEqual(JsonValueKind.Null, (await ProvisioningAsync(agent)).GetProperty("server").GetProperty("removed_at").ValueKind);
    }

    [Fact]
    public async Task Delete_Refusals_SayWhy()
    {
        var unknown = await DeleteAsync(Runner.NewAgentId());
        Assert.Equal(HttpStatusCode.NotFound, unknown.Response.StatusCode);
        Assert.Equal("application/problem+json", unknown.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("never provisioned", unknown.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var bad = await DeleteAsync("not!an!agent");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Response.StatusCode);
        Assert.Contains("agent_id", bad.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Queued, then provisioning: in flight, 409 naming the job.
        var agent = Runner.NewAgentId();
        var job = await _runner.NewJobAsync(agent);
        var queued = await DeleteAsync(agent);
        Assert.Equal(HttpStatusCode.Conflict, queued.Response.StatusCode);
        Assert.Equal(job, queued.Body.GetProperty("job_id").GetGuid());
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"880\"");
        var provisioning = await DeleteAsync(agent);
        Assert.Equal(HttpStatusCode.Conflict, provisioning.Response.StatusCode);
        Assert.Contains("provisioning", provisioning.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Failed: its clean-up deleted the server, so there is none.
        await SendAsync(job, "\"status\":\"failed\",\"error\":\"no capacity\",\"failed_step\":\"provision\"");
        var failed = await DeleteAsync(agent);
        Assert.Equal(HttpStatusCode.NotFound, failed.Response.StatusCode);
        Assert.Contains("failed", failed.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Cancelled before it was dispatched: it never had a server.
        var cancelledAgent = Runner.NewAgentId();
        var cancelled = await _runner.NewJobAsync(cancelledAgent);
        using (var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{cancelled}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        var noServer = await DeleteAsync(cancelledAgent);
        Assert.Equal(HttpStatusCode.NotFound, noServer.Response.StatusCode);
        Assert.Contains("cancelled", noServer.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A provision job's success must still say where its server is.
        Assert.Equal(HttpStatusCode.BadRequest, (await _runner.SendLegacyAsync($"{{\"job_id\":\"{job}\",\"status\":\"running\",\"server_id\":\"1\"}}")).StatusCode);

        // None of these made a job.
        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)));
        Assert.Equal([job], list.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetGuid()));
    }

    [Fact]
    public async Task Delete_Racing_MakesOneDeprovisionJob()
    {
        var (agent, _) = await RunningAgentAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => DeleteAsync(agent)));

        var accepted = Assert.Single(answers, a => a.Response.StatusCode == HttpStatusCode.Accepted);
        var job = accepted.Body.GetProperty("job_id").GetGuid();
        Assert.All(answers.Where(a => a.Response != accepted.Response), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.Response.StatusCode);
            Assert.Equal(job, a.Body.GetProperty("job_id").GetGuid());
        });
        var list = await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)));
        Assert.Equal(job, Assert.Single(list.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("kind").GetString() == "deprovision").GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task Deprovision_Failed_ShowsTheErrorOnRemovingServer_AndARetryRemovesTheSameServer()
    {
        var (agent, provision) = await RunningAgentAsync("58003");
        var job = (await DeleteAsync(agent)).Body.GetProperty("job_id").GetGuid();
        await SendAsync(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"990\"");
        await SendAsync(job, "\"status\":\"failed\",\"error\":\"hcloud: server 58003 is locked\",\"failed_step\":\"remove\",\"step\":\"remove\"");

        var failed = (await _runner.GetJobAsync(job)).Body;
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(["completed", "error", "pending"], States(failed));
        Assert.Equal("removing", failed.GetProperty("error").GetProperty("step_id").GetString());
        Assert.Equal("remove", failed.GetProperty("error").GetProperty("failed_step").GetString());
        Assert.Equal("hcloud: server 58003 is locked", failed.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, (await ProvisioningAsync(agent)).GetProperty("server").GetProperty("removed_at").ValueKind);
        var summary = (await Runner.ReadJsonAsync(await _runner.Client.GetAsync(new Uri($"/api/agents/{agent}/jobs", UriKind.Relative)))).GetProperty("jobs")[0];
        Assert.Equal("removing", summary.GetProperty("failed_step").GetString());

        using var fromStep = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), new StringContent("{\"from\":\"failed_step\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, fromStep.StatusCode);
        Assert.Contains("deprovision", (await Runner.ReadJsonAsync(fromStep)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var retry = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var next = await Runner.ReadJsonAsync(retry);
        var nextId = next.GetProperty("job_id").GetGuid();
        Assert.Equal("deprovision", next.GetProperty("kind").GetString());
        Assert.Equal(2, next.GetProperty("attempt").GetInt32());
        Assert.Equal(job, next.GetProperty("previous_job_id").GetGuid());
        Assert.Equal("58003", next.GetProperty("server").GetProperty("id").GetString());
        Assert.Equal(provision, (await ProvisioningAsync(agent)).GetProperty("job_id").GetGuid());
        Assert.Equal(HttpStatusCode.Conflict, (await DeleteAsync(agent)).Response.StatusCode);

        await SendAsync(nextId, "\"status\":\"provisioning\",\"workflow_run_id\":\"991\"");
        await SendAsync(nextId, "\"status\":\"running\",\"server_id\":\"58003\"");
        Assert.Equal(nextId, (await ProvisioningAsync(agent)).GetProperty("server").GetProperty("removed_by_job_id").GetGuid());

        // The first attempt has nothing left to do.
        using var late = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Deprovision_Cancelled_BeforeDispatch_ReleasesTheAgentAndDeleteWorksAgain()
    {
        var (agent, _) = await RunningAgentAsync();
        var job = (await DeleteAsync(agent)).Body.GetProperty("job_id").GetGuid();

        using var cancel = await _runner.Client.PostAsync(new Uri($"/api/jobs/{job}/cancel", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await Runner.ReadJsonAsync(cancel);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(["cancelled", "pending", "pending"], States(cancelled));
        var (again, body) = await DeleteAsync(agent);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.NotEqual(job, body.GetProperty("job_id").GetGuid());
    }
}
