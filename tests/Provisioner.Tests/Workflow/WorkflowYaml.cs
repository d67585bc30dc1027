using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace Provisioner.Tests.Workflow;

/// <summary>
/// The workflows and playbooks as JSON trees, for the static checks: every scalar is a string
/// (<c>false</c> is <c>"false"</c>), as YAML wrote it.
/// </summary>
internal static class WorkflowYaml
{
    private static readonly string[] TaskLists = ["block", "rescue", "always"];
    private static readonly string[] PlayParts = ["pre_tasks", "tasks", "post_tasks"];

    public static string ReadText(params string[] path) => File.ReadAllText(Path.Combine([RepositoryRoot.Path, .. path]));

    public static JsonNode Load(params string[] path)
    {
        var tree = new DeserializerBuilder().Build().Deserialize<object>(ReadText(path));
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(tree);
        return JsonNode.Parse(json) ?? throw new InvalidOperationException($"{Path.Combine(path)} is empty");
    }

    public static JsonNode Workflow(string name) => Load(".github", "workflows", name);

    public static JsonArray Playbook(string name) => Load("ansible", "playbooks", name).AsArray();

    /// <summary>Every task of a play or task list, blocks and rescues included, in order.</summary>
    public static IEnumerable<JsonObject> Tasks(JsonNode? list)
    {
        foreach (var task in list?.AsArray() ?? [])
        {
            if (task is not JsonObject item)
            {
                continue;
            }

            yield return item;
            foreach (var part in TaskLists)
            {
                foreach (var inner in Tasks(item[part]))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>The tasks of every play of a playbook (pre_tasks, tasks, post_tasks).</summary>
    public static IEnumerable<JsonObject> PlaybookTasks(string name) =>
        Playbook(name).SelectMany(play => PlayParts.SelectMany(part => Tasks(play?[part])));

    public static JsonObject Task(IEnumerable<JsonObject> tasks, string name) =>
        tasks.SingleOrDefault(t => (string?)t["name"] == name) ?? throw new Xunit.Sdk.XunitException($"no task named '{name}'");

    /// <summary>The steps of every job of a workflow, with the job's id.</summary>
    public static IEnumerable<(string Job, JsonObject Step)> Steps(JsonNode workflow) =>
        workflow["jobs"]!.AsObject().SelectMany(job => (job.Value?["steps"]?.AsArray() ?? []).OfType<JsonObject>().Select(step => (job.Key, step)));
}
