using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// Callbacks proven by a GitHub-shaped Actions ID token from the test issuer, over HTTP against
/// the runner (<c>CALLBACK_AUTH=oidc</c>, then <c>any</c>), for jobs the runner dispatched to a
/// fake GitHub that then lists their runs (<see cref="DispatchedRuns"/>). Every refused callback
/// is checked to have changed nothing: the job's document and its kept callback rows stay as they were.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class ActionsTokenCallbackHttpTests(Azurite azurite) : IAsyncLifetime
{
    private const string Owner = "octo-org";
    private const string Repo = "agents";
    private const string Repository = Owner + "/" + Repo;
    private const string Workflow = "provision-agent.yml";

    private TestIssuer _github = null!;
    private DispatchedRuns _runs = null!;

    public async Task InitializeAsync()
    {
        _github = await TestIssuer.StartAsync();
        _runs = await DispatchedRuns.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _runs.DisposeAsync();
        await _github.DisposeAsync();
    }

    private Task<Runner> StartAsync(string mode, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = _runs.Settings(Owner, Repo);
        settings["CALLBACK_AUTH"] = mode;
        settings["GITHUB_OIDC_ISSUER"] = _github.Issuer;
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return Runner.StartAsync(azurite, settings);
    }

    /// <summary>The audience the workflow asks for by default: PUBLIC_BASE_URL as configured (the runner's own address).</summary>
    private static string Audience(Runner runner) => runner.Client.BaseAddress!.AbsoluteUri;

    private string Token(Runner runner, string runId = "5550001", string attempt = "1", string repository = Repository, string workflow = Workflow, TimeSpan? expiresIn = null, string @ref = "refs/heads/main", string eventName = "workflow_dispatch") =>
        _github.Mint(Audience(runner), TestIssuer.GitHubClaims(repository, workflow, runId, attempt, @ref, eventName), expiresIn);

    /// <summary>A token of <paramref name="runId"/> with one claim changed (or removed, when <paramref name="value"/> is null).</summary>
    private string TokenWith(Runner runner, string runId, string claim, string? value)
    {
        var claims = TestIssuer.GitHubClaims(Repository, Workflow, runId);
        if (value is null)
        {
            claims.Remove(claim);
        }
        else
        {
            claims[claim] = value;
        }

        return _github.Mint(Audience(runner), claims);
    }

    private Task<Guid> DispatchedAsync(Runner runner, long runId, bool recordsRun = false) => _runs.NewDispatchedJobAsync(runner, runId, recordsRun);

    private static Task<HttpResponseMessage> SendAsync(Runner runner, string body, string? token, string? webhookId = null)
    {
        var headers = new List<(string, string)>();
        if (token is not null)
        {
            headers.Add(("Authorization", "Bearer " + token));
        }

        headers.Add(("webhook-id", webhookId ?? "msg_" + Guid.NewGuid().ToString("N")));
        return runner.SendRawAsync(Encoding.UTF8.GetBytes(body), [.. headers]);
    }

    private static string Body(Guid job, string fields) => $"{{\"job_id\":\"{job}\",{fields}}}";

    private static async Task<(string Document, int Rows)> SnapshotAsync(Runner runner, Guid job)
    {
        var (_, document) = await runner.GetJobAsync(job);
        var rows = 0;
        await foreach (var row in runner.Table("jobs").QueryAsync<TableEntity>(e => e.PartitionKey == job.ToString(), select: ["RowKey"]))
        {
            rows += row.RowKey.StartsWith("cb-", StringComparison.Ordinal) ? 1 : 0;
        }

        return (document.GetRawText(), rows);
    }

    private static async Task AssertOkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
    }

    private static string States(JsonElement document) =>
        string.Join(' ', document.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("state").GetString()));

    [Fact]
    public async Task Oidc_ValidToken_WalksAJobThroughAllFiveSteps_AndBindsItToTheTokensRun()
    {
        await using var runner = await StartAsync("oidc");
        var job = await DispatchedAsync(runner, 5550001);

        // The workflow's own body, without workflow_run_id: the token names the run.
        string[] sequence =
        [
            "\"status\":\"provisioning\"",
            "\"type\":\"heartbeat\"",
            "\"status\":\"provisioning\",\"step\":\"vm_created\"",
            "\"status\":\"provisioning\",\"step\":\"ansible_started\"",
            "\"status\":\"provisioning\",\"step\":\"ansible_complete\"",
            "\"status\":\"running\",\"server_id\":\"4711\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\"",
        ];
        foreach (var fields in sequence)
        {
            await AssertOkAsync(await SendAsync(runner, Body(job, fields), Token(runner, runId: "5550001")));
        }

        var (_, document) = await runner.GetJobAsync(job);
        Assert.Equal("running", document.GetProperty("status").GetString());
        Assert.Equal("completed completed completed completed completed", States(document));
        Assert.Equal("5550001", document.GetProperty("workflow_run_id").GetString());
        // Built from the repository and run id (the fake GitHub's web address stands in for github.com's).
        Assert.EndsWith($"/{Owner}/{Repo}/actions/runs/5550001", document.GetProperty("workflow_run_url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oidc_AnotherRunsTokenAfterTheClaim_Is409AndChangesNothing()
    {
        await using var runner = await StartAsync("oidc");
        var job = await DispatchedAsync(runner, 100);
        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "100")));
        var before = await SnapshotAsync(runner, job);

        var other = await SendAsync(runner, Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\""), Token(runner, runId: "200"));
        var rerun = await SendAsync(runner, Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\""), Token(runner, runId: "100", attempt: "2"));

        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, rerun.StatusCode);
        Assert.Equal(before, await SnapshotAsync(runner, job));
    }

    public static TheoryData<string> RefusedCallbacks() =>
        [
            "wrong repository", "wrong workflow", "expired", "person's token", "signed with the secret", "no proof", "body names another run", "forged",
            "run on another branch", "pull_request run", "schedule run", "workflow file at another ref", "workflow_ref at another ref", "repository_id differs",
            "repository_owner_id differs", "no jti",
        ];

    [Theory]
    [MemberData(nameof(RefusedCallbacks))]
    public async Task Oidc_RefusedCallback_Is401AndChangesNothing(string kind)
    {
        await using var people = await TestIssuer.StartAsync();
        await using var runner = await StartAsync("oidc", new Dictionary<string, string?>
        {
            ["GITHUB_REPOSITORY_ID"] = TestIssuer.RepositoryId,
            ["GITHUB_REPOSITORY_OWNER_ID"] = TestIssuer.RepositoryOwnerId,
        });
        var job = await DispatchedAsync(runner, 300);
        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "300")));
        var before = await SnapshotAsync(runner, job);
        var body = Body(job, "\"status\":\"failed\",\"error\":\"boom\",\"failed_step\":\"provision\"");

        var response = kind switch
        {
            "wrong repository" => await SendAsync(runner, body, Token(runner, runId: "300", repository: "someone/else")),
            "wrong workflow" => await SendAsync(runner, body, Token(runner, runId: "300", workflow: "other.yml")),
            "expired" => await SendAsync(runner, body, Token(runner, runId: "300", expiresIn: TimeSpan.FromMinutes(-5))),
            "person's token" => await SendAsync(runner, body, people.PersonToken(Audience(runner), ["Provisioner.Operator"])),
            "signed with the secret" => await runner.SendStandardAsync(body),
            "no proof" => await SendAsync(runner, body, null),
            "body names another run" => await SendAsync(runner, Body(job, "\"status\":\"failed\",\"error\":\"boom\",\"workflow_run_id\":\"999\""), Token(runner, runId: "300")),
            "forged" => await SendAsync(runner, body, _github.ForgedToken(Audience(runner), TestIssuer.GitHubClaims(Repository, Workflow, "300"))),
            "run on another branch" => await SendAsync(runner, body, Token(runner, runId: "300", @ref: "refs/heads/feature")),
            "pull_request run" => await SendAsync(runner, body, Token(runner, runId: "300", @ref: "refs/pull/42/merge", eventName: "pull_request")),
            "schedule run" => await SendAsync(runner, body, Token(runner, runId: "300", eventName: "schedule")),
            "workflow file at another ref" => await SendAsync(runner, body, TokenWith(runner, "300", "job_workflow_ref", $"{Repository}/.github/workflows/{Workflow}@refs/heads/feature")),
            "workflow_ref at another ref" => await SendAsync(runner, body, WithoutJobWorkflowRef(runner)),
            "repository_id differs" => await SendAsync(runner, body, TokenWith(runner, "300", "repository_id", "999")),
            "repository_owner_id differs" => await SendAsync(runner, body, TokenWith(runner, "300", "repository_owner_id", "999")),
            "no jti" => await SendAsync(runner, body, TokenWith(runner, "300", "jti", null)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var claim = kind switch
        {
            "run on another branch" => "claim ref",
            "pull_request run" => "claim ref",
            "schedule run" => "claim event_name",
            "workflow file at another ref" => "claim job_workflow_ref",
            "workflow_ref at another ref" => "claim workflow_ref",
            "repository_id differs" => "claim repository_id",
            "repository_owner_id differs" => "claim repository_owner_id",
            "no jti" => "jti",
            _ => null,
        };
        if (claim is not null)
        {
            Assert.Contains(claim, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await SnapshotAsync(runner, job));
    }

    /// <summary>A token whose job_workflow_ref is absent (as some GitHub Enterprise Server versions issue them) and whose workflow_ref names another ref.</summary>
    private string WithoutJobWorkflowRef(Runner runner)
    {
        var claims = TestIssuer.GitHubClaims(Repository, Workflow, "300");
        claims.Remove("job_workflow_ref");
        claims["workflow_ref"] = $"{Repository}/.github/workflows/{Workflow}@refs/heads/feature";
        return _github.Mint(Audience(runner), claims);
    }

    [Fact]
    public async Task Oidc_CleanUpReRunForTheAttemptThatProvisioned_IsAccepted()
    {
        await using var runner = await StartAsync("oidc");
        var job = await DispatchedAsync(runner, 400);
        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "400")));

        // The clean-up job re-run alone is attempt 2 and names the attempt that provisioned (PROVISION_RUN_ID).
        var response = await SendAsync(runner, Body(job, "\"status\":\"failed\",\"error\":\"boom\",\"failed_step\":\"provision\",\"workflow_run_id\":\"400\""), Token(runner, runId: "400", attempt: "2"));

        await AssertOkAsync(response);
        Assert.Equal("failed", (await runner.GetJobAsync(job)).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Oidc_EachWorkflowsToken_ReportsOnlyForItsOwnKindOfJob()
    {
        await using var runner = await StartAsync("oidc");
        const string Deprovision = "deprovision-agent.yml";
        var agent = Runner.NewAgentId();
        var provision = await _runs.NewDispatchedJobAsync(runner, 441, agentId: agent);

        // A run of the deprovision workflow may not claim a provision job: 409, nothing changes.
        var before = await SnapshotAsync(runner, provision);
        var wrong = await SendAsync(runner, Body(provision, "\"status\":\"provisioning\""), Token(runner, runId: "440", workflow: Deprovision));
        Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
        Assert.Contains("deprovision workflow", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync(runner, provision));

        await AssertOkAsync(await SendAsync(runner, Body(provision, "\"status\":\"provisioning\""), Token(runner, runId: "441")));
        await AssertOkAsync(await SendAsync(runner, Body(provision, "\"status\":\"running\",\"server_id\":\"4711\",\"server_ip\":\"203.0.113.7\",\"tailscale_ip\":\"100.64.0.7\""), Token(runner, runId: "441")));

        using var teardown = await runner.Client.DeleteAsync(new Uri($"/api/agents/{agent}/server", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, teardown.StatusCode);
        var deprovision = (await Runner.ReadJsonAsync(teardown)).GetProperty("job_id").GetGuid();
        await _runs.DispatchAsync(runner, deprovision, 443);

        // ... nor a run of the provisioning workflow a deprovision job.
        before = await SnapshotAsync(runner, deprovision);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(runner, Body(deprovision, "\"status\":\"provisioning\""), Token(runner, runId: "442"))).StatusCode);
        Assert.Equal(before, await SnapshotAsync(runner, deprovision));

        // Its own workflow's run may.
        await AssertOkAsync(await SendAsync(runner, Body(deprovision, "\"status\":\"provisioning\""), Token(runner, runId: "443", workflow: Deprovision)));
        await AssertOkAsync(await SendAsync(runner, Body(deprovision, "\"status\":\"running\",\"server_id\":\"4711\""), Token(runner, runId: "443", workflow: Deprovision)));
        Assert.Equal("running", (await runner.GetJobAsync(deprovision)).Body.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, (await runner.GetJobAsync(provision)).Body.GetProperty("server").GetProperty("removed_at").ValueKind);
    }

    [Fact]
    public async Task Oidc_NoSecretConfigured_StartsAndAcceptsTokens()
    {
        await using var runner = await StartAsync("oidc", new Dictionary<string, string?> { ["GITHUB_CALLBACK_SECRET"] = "" });
        var job = await DispatchedAsync(runner, 470);
        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "470")));
    }

    [Fact]
    public async Task Any_AcceptsATokenAndASignature_RefusesAnInvalidToken()
    {
        await using var runner = await StartAsync("any");
        var job = await DispatchedAsync(runner, 500);

        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "500")));
        await AssertOkAsync(await runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\",\"workflow_run_id\":\"500\"")));
        await AssertOkAsync(await runner.SendLegacyAsync(Body(job, "\"type\":\"heartbeat\"")));
        var before = await SnapshotAsync(runner, job);

        // A token that is sent must be valid: a bad one is not passed over for the signature beside it.
        var expired = Token(runner, runId: "500", expiresIn: TimeSpan.FromMinutes(-5));
        var bytes = Encoding.UTF8.GetBytes(Body(job, "\"status\":\"provisioning\",\"step\":\"ansible_started\""));
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var response = await runner.SendRawAsync(bytes, ("Authorization", "Bearer " + expired), ("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", Signing.StandardWebhooks(Runner.Secret, id, timestamp, bytes)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, await SnapshotAsync(runner, job));
    }

    [Fact]
    public async Task Oidc_NoRunRecorded_AnotherRunsTokenCannotClaim_TheDispatchedRunCan()
    {
        await using var runner = await StartAsync("oidc");
        var job = await DispatchedAsync(runner, 700);
        var before = await SnapshotAsync(runner, job);

        // Run 701 is a run of the right workflow, branch and event, but GitHub dispatched 700 for this job.
        var impostor = await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "701"));
        var impostorNamed = await SendAsync(runner, Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"701\""), Token(runner, runId: "701"));

        Assert.Equal(HttpStatusCode.Conflict, impostor.StatusCode);
        Assert.Contains("not the run dispatched", await impostor.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, impostorNamed.StatusCode);
        Assert.Equal(before, await SnapshotAsync(runner, job));
        Assert.True(_runs.RunListRequests >= 2, "GitHub was asked which run carries the job");

        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "700")));
        Assert.Equal("700", (await runner.GetJobAsync(job)).Body.GetProperty("workflow_run_id").GetString());
    }

    [Fact]
    public async Task Oidc_RunRecordedAtDispatch_AnotherRunsTokenIsRefusedWithOrWithoutARunIdInTheBody()
    {
        await using var runner = await StartAsync("oidc");
        var job = await DispatchedAsync(runner, 800, recordsRun: true);
        Assert.Equal("800", (await runner.GetJobAsync(job)).Body.GetProperty("workflow_run_id").GetString());
        var before = await SnapshotAsync(runner, job);

        var without = await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "801"));
        var with = await SendAsync(runner, Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"801\""), Token(runner, runId: "801"));
        var namesTheRealRun = await SendAsync(runner, Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"800\""), Token(runner, runId: "801"));

        Assert.Equal(HttpStatusCode.Conflict, without.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, with.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, namesTheRealRun.StatusCode);
        Assert.Equal(before, await SnapshotAsync(runner, job));
        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "800")));
    }

    [Fact]
    public async Task Oidc_NeverDispatchedJob_AcceptsNoClaimProvenByAToken()
    {
        await using var runner = await StartAsync("oidc");
        var job = await runner.NewJobAsync();
        var before = await SnapshotAsync(runner, job);

        var response = await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "900"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("never dispatched", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync(runner, job));
    }

    [Fact]
    public async Task Any_SignedClaimOfAJobWithNoRecordedRun_KeepsTodaysRules()
    {
        await using var runner = await StartAsync("any");
        var job = await runner.NewJobAsync();

        // Whoever holds the secret is trusted: a signed claim needs no dispatch record and no question to GitHub.
        await AssertOkAsync(await runner.SendStandardAsync(Body(job, "\"status\":\"provisioning\",\"workflow_run_id\":\"950\"")));

        Assert.Equal("950", (await runner.GetJobAsync(job)).Body.GetProperty("workflow_run_id").GetString());
        Assert.Equal(0, _runs.RunListRequests);
    }

    [Fact]
    public async Task Oidc_ATokenUsedTwice_IsRefusedTheSecondTime()
    {
        await using var runner = await StartAsync("oidc");
        var job = await DispatchedAsync(runner, 1000);
        var token = Token(runner, runId: "1000");
        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), token));
        var before = await SnapshotAsync(runner, job);

        // The same token again, for another callback and for a resend of the first (same webhook-id or not).
        var again = await SendAsync(runner, Body(job, "\"status\":\"failed\",\"error\":\"boom\",\"failed_step\":\"provision\""), token);

        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Contains("token already used", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync(runner, job));

        // A fresh token of the same run goes through.
        await AssertOkAsync(await SendAsync(runner, Body(job, "\"status\":\"provisioning\",\"step\":\"vm_created\""), Token(runner, runId: "1000")));
    }

    [Fact]
    public async Task Hmac_TheDefault_IgnoresTokens()
    {
        await using var runner = await StartAsync("hmac");
        var job = await runner.NewJobAsync();
        var response = await SendAsync(runner, Body(job, "\"status\":\"provisioning\""), Token(runner, runId: "600"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("GITHUB_OWNER")]
    [InlineData("GITHUB_OIDC_ISSUER")]
    [InlineData("GITHUB_WORKFLOW")]
    public async Task Start_OidcWithoutWhatTokensAreCheckedAgainst_StopsNamingTheSetting(string setting)
    {
        var value = setting switch
        {
            "GITHUB_OIDC_ISSUER" => "http://token.example.com",
            "GITHUB_WORKFLOW" => "12345",
            _ => "",
        };
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            StartAsync("oidc", new Dictionary<string, string?> { ["GITHUB_TOKEN"] = "", [setting] = value }));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }
}
