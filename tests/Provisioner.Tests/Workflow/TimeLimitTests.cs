using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// Time limits and time-outs. GitHub concludes a job that reaches its <c>timeout-minutes</c> as
/// <c>cancelled</c>, exactly like one a person cancelled, so: the steps that can take long have
/// limits of their own that add up to less than the job's (a hung step fails as itself, with
/// its phase), and when a job is concluded <c>cancelled</c> anyway, the clean-up's report says
/// where it stopped and that it was a time-out or a cancel. The report is the workflow's own
/// <c>run:</c> block, run with the environment the workflow gives it, after the callbacks the run
/// sent before it, against the local runner and against a stand-in that keeps the bodies.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed partial class TimeLimitTests(Azurite azurite) : IAsyncLifetime
{
    /// <summary>Minutes left for the short steps that have no limit of their own (checkout, the step callbacks, ...).</summary>
    private const int ShortStepsMinutes = 3;

    private Runner _runner = null!;

    public async Task InitializeAsync() => _runner = await Runner.StartAsync(azurite);

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    /// <summary>Steps of which at most one runs in a run (their <c>if:</c> conditions exclude each other).</summary>
    private static readonly string[][] Alternatives = [["create", "adopt"], ["setup-hold", "setup-delete"], ["report-failed", "report-cancel"]];

    public static TheoryData<string, string> Jobs => new()
    {
        { "provision-agent.yml", "provision" },
        { "provision-agent.yml", "clean-up" },
        { "deprovision-agent.yml", "remove" },
        { "deprovision-agent.yml", "report" },
    };

    [Theory]
    [MemberData(nameof(Jobs))]
    public void StepLimits_FitInsideTheJobLimit(string workflow, string jobId)
    {
        var job = WorkflowYaml.Workflow(workflow)["jobs"]![jobId]!;
        var jobLimit = int.Parse((string?)job["timeout-minutes"] ?? "360", CultureInfo.InvariantCulture);
        var steps = job["steps"]!.AsArray().OfType<JsonObject>().ToArray();
        int Limit(JsonObject step) => step["timeout-minutes"] is { } limit ? int.Parse((string)limit!, CultureInfo.InvariantCulture) : 0;

        // Every playbook, Ansible set-up, tailnet join and final callback has a limit of its own.
        var unlimited = steps.Where(s => Limit(s) == 0 && LongRunning(s)).Select(s => (string?)s["name"]).ToArray();
        Assert.True(unlimited.Length == 0, $"{workflow} {jobId}: steps without timeout-minutes: {string.Join(", ", unlimited)}");

        var total = steps.Sum(Limit);
        foreach (var group in Alternatives)
        {
            var limits = steps.Where(s => group.Contains((string?)s["id"])).Select(Limit).ToArray();
            if (limits.Length > 1)
            {
                total -= limits.Sum() - limits.Max();
            }
        }

        Assert.True(total + ShortStepsMinutes <= jobLimit, $"{workflow} {jobId}: the step limits add up to {total} minutes (+{ShortStepsMinutes} for the short steps) against a job limit of {jobLimit}");
    }

    private static bool LongRunning(JsonObject step)
    {
        var run = (string?)step["run"] ?? "";
        var uses = (string?)step["uses"] ?? "";
        return run.Contains("run-playbook.sh", StringComparison.Ordinal)
            || FinalCallback().IsMatch(run)
            || uses.StartsWith("./.github/actions/setup-ansible", StringComparison.Ordinal)
            || uses.StartsWith("tailscale/github-action@", StringComparison.Ordinal);
    }

    /// <summary>The step of <paramref name="jobId"/> whose id is <paramref name="stepId"/>, as the runner would run it.</summary>
    private static (string Script, Dictionary<string, string?> Environment) Step(string workflow, string jobId, string stepId, Dictionary<string, string> expressions)
    {
        var step = WorkflowYaml.Workflow(workflow)["jobs"]![jobId]!["steps"]!.AsArray().OfType<JsonObject>().Single(s => (string?)s["id"] == stepId);
        var environment = new Dictionary<string, string?>();
        foreach (var (name, value) in step["env"]?.AsObject() ?? [])
        {
            var text = (string?)value ?? "";

            // The step's own secret (secrets live in the steps that use them): the runner's.
            if (text == "${{ secrets.GH_CALLBACK_SECRET }}")
            {
                environment[name] = Runner.Secret;
                continue;
            }

            Assert.True(expressions.TryGetValue(text, out var evaluated), $"the test gives no value for {name}: {text}");
            environment[name] = evaluated;
        }

        return ((string?)step["run"] ?? throw new Xunit.Sdk.XunitException($"step {stepId} has no run:"), environment);
    }

    private static async Task<ChildProcessResult> RunStepAsync(string script, Dictionary<string, string?> step, Guid job, Uri callbackUrl, string runId)
    {
        var environment = new Dictionary<string, string?>(step)
        {
            ["CALLBACK_URL"] = callbackUrl.ToString(),
            ["JOB_ID"] = job.ToString(),
            ["SERVER_ID"] = step.GetValueOrDefault("SERVER_ID") ?? "4711",
            ["CALLBACK_SECRET"] = Runner.Secret,
            ["PROVISION_RUN_ID"] = runId,
            ["GITHUB_RUN_ID"] = runId,
            ["GITHUB_RUN_ATTEMPT"] = "1",
            ["GITHUB_SERVER_URL"] = "https://github.com",
            ["GITHUB_REPOSITORY"] = "octo/infra",
            ["CALLBACK_RETRY_BASE_SECONDS"] = "0.05",
            ["CALLBACK_RETRY_MAX_SECONDS"] = "0.2",
            ["CALLBACK_MAX_ATTEMPTS"] = "2",
        };
        return await ChildProcess.RunAsync(
            new ChildProcessOptions("bash", ["-e", "-c", script]) { WorkingDirectory = RepositoryRoot.Path, Environment = environment },
            TimeSpan.FromSeconds(60));
    }

    private static readonly string[] Ended = ["cancelled", "failed"];

    private static readonly Dictionary<string, string> ProvisionOutputs = new()
    {
        ["${{ needs.provision.outputs.server_id }}"] = "4711",
        ["${{ needs.provision.outputs.failed_step }}"] = "configure",
    };

    [Fact]
    public async Task ProvisionCleanUp_JobConcludedCancelled_ReportsTheStepItWasOn_AndThatItTimedOutOrWasCancelled()
    {
        await using var backend = await FakeGitHub.StartAsync();
        backend.Default = new FakeGitHub.Answer(200, "{\"received\":true}");
        var (script, environment) = Step("provision-agent.yml", "clean-up", "report-cancel", ProvisionOutputs);

        var run = await RunStepAsync(script, environment, Guid.NewGuid(), new Uri(backend.BaseUrl, "api/webhooks/github"), "8100");

        Assert.True(run.ExitCode == 0, run.Output);
        var body = JsonDocument.Parse(Assert.Single(backend.Requests).Body).RootElement;
        Assert.Equal("cancelled", body.GetProperty("status").GetString());
        Assert.Equal("configure", body.GetProperty("failed_step").GetString());
        Assert.Equal("configure", body.GetProperty("step").GetString());
        Assert.Equal("timed_out_or_cancelled", body.GetProperty("reason").GetString());
        Assert.Equal("4711", body.GetProperty("server_id").GetString());
        Assert.Contains("reached its time limit or was cancelled", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeprovisionReport_JobConcludedCancelled_ReportsRemove_AndThatItTimedOutOrWasCancelled()
    {
        await using var backend = await FakeGitHub.StartAsync();
        backend.Default = new FakeGitHub.Answer(200, "{\"received\":true}");
        var (script, environment) = Step("deprovision-agent.yml", "report", "report-cancel", new Dictionary<string, string>());

        var run = await RunStepAsync(script, environment, Guid.NewGuid(), new Uri(backend.BaseUrl, "api/webhooks/github"), "8200");

        Assert.True(run.ExitCode == 0, run.Output);
        var body = JsonDocument.Parse(Assert.Single(backend.Requests).Body).RootElement;
        Assert.Equal(("cancelled", "remove", "timed_out_or_cancelled"), (body.GetProperty("status").GetString(), body.GetProperty("failed_step").GetString(), body.GetProperty("reason").GetString()));
    }

    /// <summary>
    /// The run, in the workflow's order, up to Configuring Agent, then the clean-up's report of a
    /// job GitHub concluded <c>cancelled</c>: the backend accepts the extra fields (the contract
    /// keeps or ignores fields beyond its own), and, since nobody asked to cancel the job, it ends
    /// failed with reason <c>timed_out</c> on the step the run was on.
    /// </summary>
    [Fact]
    public async Task ProvisionCleanUp_CancelReport_TheBackendTakesIt_AndTheJobEnds()
    {
        var job = await _runner.NewJobAsync();
        var callbackUrl = new Uri(_runner.Client.BaseAddress!, "/api/webhooks/github");
        foreach (var call in new[] { "claim", "step vm_created", "step ansible_started" })
        {
            var sent = await RunStepAsync($"bash .github/scripts/callback.sh {call}", [], job, callbackUrl, "8300");
            Assert.True(sent.ExitCode == 0, sent.Output);
        }

        var (script, environment) = Step("provision-agent.yml", "clean-up", "report-cancel", ProvisionOutputs);
        var run = await RunStepAsync(script, environment, job, callbackUrl, "8300");

        Assert.True(run.ExitCode == 0, run.Output);
        var (response, document) = await _runner.GetJobAsync(job);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(document.GetProperty("status").GetString(), Ended);

        // Nobody asked to cancel this job: the report is a time-out, a failure on the step it was on.
        Assert.Equal("failed", document.GetProperty("status").GetString());
        var error = document.GetProperty("error");
        Assert.Equal("timed_out", error.GetProperty("reason").GetString());
        Assert.Equal("configure", error.GetProperty("failed_step").GetString());
        Assert.Equal("configuring", error.GetProperty("step_id").GetString());
        Assert.Contains("reached its time limit or was cancelled", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"callback\.sh (claim|running|removed|failed|cancelled)\b")]
    private static partial Regex FinalCallback();
}
