using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Kiota.Abstractions;
using Provisioner.Cli.Client.Api.Jobs.Item.Retry;
using Provisioner.Cli.Client.Models;

namespace Provisioner.Cli;

/// <summary>
/// The commands of `provisioner` (docs/cli.md) on System.CommandLine. Usage errors (a missing or
/// malformed option, a bad --url) exit 2 with a message that names the option; everything else
/// exits with the codes of <see cref="ExitCodes"/>.
/// </summary>
internal static class CliApp
{
    /// <summary>Where ./run.sh serves the backend; --url or PROVISIONER_URL point elsewhere.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    private const int MaxTtlMinutes = 43_200;

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var root = Build(console, time ?? TimeProvider.System);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"provisioner: {error.Message}");
            }

            await console.Error.WriteLineAsync("Run `provisioner --help` for the commands and options.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }

    private static RootCommand Build(CliConsole console, TimeProvider time)
    {
        var global = new GlobalOptions();
        var root = new RootCommand("Create, follow and act on Provisioner jobs (docs/cli.md).");
        foreach (var option in global.All)
        {
            root.Options.Add(option);
        }

        var agent = new Option<string>("--agent") { Description = "The agent's id (1 to 64 of A-Z a-z 0-9 _ -).", Required = true };
        var region = new Option<string>("--region") { Description = "The region, for example eu-central.", Required = true };
        var ttl = TtlOption("The server's lifetime in minutes from Running (1 to 43200).", required: false);
        var follow = new Option<bool>("--follow", "-f") { Description = "Draw the steps as they happen; exit when the job ends." };
        var create = new Command("create", "Create a provisioning job for an agent.") { agent, region, ttl, follow };
        create.SetAction(Run(console, time, global, async (run, ct) =>
        {
            var body = new CreateJobRequest { AgentId = run.Parse.GetValue(agent), Region = run.Parse.GetValue(region) };
            if (run.Parse.GetValue(ttl) is { } minutes)
            {
                body.AdditionalData["ttl_minutes"] = minutes;
            }

            var document = await run.SendAsync(run.Api.Client.Api.Jobs.ToPostRequestInformation(body), ct);
            return run.Parse.GetValue(follow) ? await run.FollowAsync(document, ct) : run.Write(document);
        }));

        var job = new Argument<string>("JOB") { Description = "The job's id (job_id)." };
        var status = new Command("status", "Show a job's status document.") { job };
        status.SetAction(Run(console, time, global, async (run, ct) =>
        {
            var document = await run.SendAsync(run.Api.Client.Api.Jobs[run.Parse.GetValue(job)!].ToGetRequestInformation(), ct);
            run.Write(document);
            return document.IsTerminal ? document.ExitCode : ExitCodes.Done;
        }));

        var watch = new Command("watch", "Draw a job's steps as they happen; exit when it ends.") { job };
        watch.SetAction(Run(console, time, global, (run, ct) => run.FollowAsync(run.Parse.GetValue(job)!, ct)));

        var cancel = new Command("cancel", "Cancel a job that is queued or provisioning.") { job };
        cancel.SetAction(Run(console, time, global, async (run, ct) =>
            run.Write(await run.SendAsync(run.Api.Client.Api.Jobs[run.Parse.GetValue(job)!].Cancel.ToPostRequestInformation(), ct))));

        var fromFailedStep = new Option<bool>("--from-failed-step") { Description = "Re-run from the failed step on the server the failed run kept." };
        var retry = new Command("retry", "Start the next attempt of a failed or cancelled job.") { job, fromFailedStep };
        retry.SetAction(Run(console, time, global, async (run, ct) =>
        {
            var body = new RetryPostRequestBody { From = run.Parse.GetValue(fromFailedStep) ? RetryPostRequestBody_from.Failed_step : RetryPostRequestBody_from.Start };
            return run.Write(await run.SendAsync(run.Api.Client.Api.Jobs[run.Parse.GetValue(job)!].Retry.ToPostRequestInformation(body), ct));
        }));

        var statusFilter = new Option<string?>("--status") { Description = "Only jobs with this status." };
        OneOf(statusFilter, [.. Enum.GetValues<JobStatus>().Select(Wire)]);
        var limit = new Option<int?>("--limit") { Description = "At most this many jobs (1 to 100)." };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > 100)
            {
                r.AddError("--limit must be 1 to 100.");
            }
        });
        var list = new Command("list", "List jobs, newest first.") { statusFilter, limit };
        list.SetAction(Run(console, time, global, async (run, ct) =>
        {
            var request = run.Api.Client.Api.Jobs.ToGetRequestInformation(c =>
            {
                c.QueryParameters.Limit = run.Parse.GetValue(limit);
                c.QueryParameters.Status = run.Parse.GetValue(statusFilter) is { } wanted ? Enum.GetValues<JobStatus>().Single(s => Wire(s) == wanted) : null;
            });
            var (json, _) = await run.Api.SendAsync(request, ct);
            run.WriteList(json);
            return ExitCodes.Done;
        }));

        var agentArgument = new Argument<string>("AGENT") { Description = "The agent's id." };
        var teardown = new Command("teardown", "Remove the agent's server (starts a deprovision job).") { agentArgument };
        teardown.SetAction(Run(console, time, global, async (run, ct) =>
            run.Write(await run.SendAsync(run.Api.Client.Api.Agents[run.Parse.GetValue(agentArgument)!].Server.ToDeleteRequestInformation(), ct))));

        var extendTtl = TtlOption("The server's new lifetime in minutes from now (1 to 43200).", required: true);
        var extend = new Command("extend", "Set how long the agent's server lives on, from now.") { agentArgument, extendTtl };
        extend.SetAction(Run(console, time, global, async (run, ct) =>
            run.Write(await run.SendAsync(ExtendRequest(run.Parse.GetValue(agentArgument)!, run.Parse.GetValue(extendTtl)!.Value), ct))));

        foreach (var command in new[] { create, status, watch, cancel, retry, list, teardown, extend })
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>
    /// PATCH /api/agents/{agent_id}/server with <c>{"ttl_minutes": N}</c>, written by hand on
    /// Kiota's request type: the generated client has it once docs/openapi.yaml describes the route.
    /// </summary>
    private static RequestInformation ExtendRequest(string agentId, int minutes)
    {
        var request = new RequestInformation(Method.PATCH, "{+baseurl}/api/agents/{agentId}/server", new Dictionary<string, object> { ["agentId"] = agentId });
        request.Headers.TryAdd("Accept", "application/json");
        request.SetStreamContent(new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, int> { ["ttl_minutes"] = minutes }))), "application/json");
        return request;
    }

    private static Option<int?> TtlOption(string description, bool required)
    {
        var option = new Option<int?>("--ttl") { Description = description, Required = required };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > MaxTtlMinutes)
            {
                r.AddError($"--ttl must be whole minutes from 1 to {MaxTtlMinutes}.");
            }
        });
        return option;
    }

    /// <summary>Like AcceptOnlyFromAmong, with a message that names the option (its own names only the value).</summary>
    private static void OneOf(Option<string?> option, string[] values)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } value && !values.Contains(value, StringComparer.Ordinal))
            {
                r.AddError($"{option.Name} must be one of {string.Join(", ", values)}; got '{value}'.");
            }
        });
    }

    private static string Wire(JobStatus status) =>
        typeof(JobStatus).GetField(status.ToString())!.GetCustomAttributes(typeof(System.Runtime.Serialization.EnumMemberAttribute), false)
            .Cast<System.Runtime.Serialization.EnumMemberAttribute>().Single().Value!;

    private static Func<ParseResult, CancellationToken, Task<int>> Run(CliConsole console, TimeProvider time, GlobalOptions global, Func<CommandRun, CancellationToken, Task<int>> body) =>
        async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(global.Timeout);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (seconds is { } limit)
            {
                deadline.CancelAfter(TimeSpan.FromSeconds(limit));
            }

            try
            {
                using var run = CommandRun.Create(parse, global, console, time);
                return await body(run, deadline.Token);
            }
            catch (CliFailure failure)
            {
                await console.Error.WriteLineAsync($"provisioner: {failure.Message}");
                return failure.ExitCode;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await console.Error.WriteLineAsync($"provisioner: --timeout of {seconds} s passed before the job ended");
                return ExitCodes.TimedOut;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: the shell's code for an interrupted command, nothing more to say.
                return ExitCodes.Interrupted;
            }
        };

    /// <summary>The options every command takes.</summary>
    private sealed class GlobalOptions
    {
        public Option<string?> Url { get; } = new("--url") { Description = $"The API's base URL (else PROVISIONER_URL, else {DefaultUrl}).", Recursive = true };

        public Option<string?> Token { get; } = new("--token") { Description = "A bearer token (else PROVISIONER_TOKEN, else the Azure CLI's sign-in when a scope is set).", Recursive = true };

        public Option<string?> Scope { get; } = new("--scope") { Description = "The scope to ask the Azure CLI for, e.g. api://<app-id>/.default (else PROVISIONER_SCOPE).", Recursive = true };

        public Option<string?> Output { get; } = new("--output", "-o") { Description = "text, or json for scripts.", DefaultValueFactory = _ => "text", Recursive = true };

        public Option<int?> Timeout { get; } = new("--timeout") { Description = "Give up after this many seconds (exit 124).", Recursive = true };

        public GlobalOptions()
        {
            OneOf(Output, ["text", "json"]);
            Timeout.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int?>() is < 1)
                {
                    r.AddError("--timeout must be a whole number of seconds, at least 1.");
                }
            });
        }

        public IEnumerable<Option> All => [Url, Token, Scope, Output, Timeout];
    }

    /// <summary>One command's run: its parse result, the API, where and how it writes.</summary>
    private sealed class CommandRun : IDisposable
    {
        private CommandRun(ParseResult parse, ProvisionerApi api, CliConsole console, bool json, TimeProvider time)
        {
            Parse = parse;
            Api = api;
            Console = console;
            Json = json;
            Time = time;
        }

        public ParseResult Parse { get; }

        public ProvisionerApi Api { get; }

        public CliConsole Console { get; }

        public bool Json { get; }

        public TimeProvider Time { get; }

        public static CommandRun Create(ParseResult parse, GlobalOptions global, CliConsole console, TimeProvider time)
        {
            var (url, from) = parse.GetValue(global.Url) is { } given ? (given, "--url")
                : console.Variable("PROVISIONER_URL") is { Length: > 0 } variable ? (variable, "PROVISIONER_URL")
                : (DefaultUrl, "the default URL");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            {
                throw new CliFailure(ExitCodes.Usage, $"{from} must be an absolute http or https URL; got '{url}'.");
            }

            var tokens = TokenSource.Create(
                parse.GetValue(global.Token) ?? console.Variable("PROVISIONER_TOKEN"),
                parse.GetValue(global.Scope) ?? console.Variable("PROVISIONER_SCOPE"));
            return new CommandRun(parse, new ProvisionerApi(baseUrl, tokens), console, parse.GetValue(global.Output) == "json", time);
        }

        public async Task<JobDocument> SendAsync(RequestInformation request, CancellationToken cancellationToken) =>
            JobDocument.Parse((await Api.SendAsync(request, cancellationToken)).Json);

        public int Write(JobDocument document)
        {
            if (Json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(document.Raw));
            }
            else
            {
                ProgressView.WriteOnce(Console, document, Time);
            }

            return ExitCodes.Done;
        }

        public Task<int> FollowAsync(JobDocument created, CancellationToken cancellationToken) => FollowAsync(created.JobId, cancellationToken, created);

        public async Task<int> FollowAsync(string jobId, CancellationToken cancellationToken, JobDocument? first = null)
        {
            var view = new ProgressView(Console, Json, Time);
            if (first is not null)
            {
                view.Show(first);
            }

            var last = await new JobFollower(Api, view.Show).FollowAsync(jobId, cancellationToken);
            return last.ExitCode;
        }

        public void WriteList(string json)
        {
            if (Json)
            {
                Console.Out.WriteLine(json);
                return;
            }

            using var page = JsonDocument.Parse(json);
            Console.Out.WriteLine($"{"JOB",-36}  {"KIND",-11}  {"AGENT",-24}  {"REGION",-12}  {"STATUS",-12}  CREATED");
            foreach (var job in page.RootElement.GetProperty("jobs").EnumerateArray())
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Text(job, "job_id"),-36}  {Text(job, "kind"),-11}  {Text(job, "agent_id"),-24}  {Text(job, "region"),-12}  {Text(job, "status"),-12}  {Text(job, "created_at")}"));
            }

            if (page.RootElement.TryGetProperty("continuation", out var next) && next.ValueKind == JsonValueKind.String)
            {
                Console.Out.WriteLine("(more: the API's continuation is " + next.GetString() + ")");
            }
        }

        private static string Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

        public void Dispose() => Api.Dispose();
    }
}
