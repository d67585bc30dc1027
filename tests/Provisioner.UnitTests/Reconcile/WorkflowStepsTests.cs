using Provisioner.Functions.Jobs;
using Provisioner.Functions.Reconcile;
using Provisioner.Tests.Workflow;

namespace Provisioner.Tests.Reconcile;

/// <summary>The one mapping of the workflow's step names to the five steps, held to provision-agent.yml itself.</summary>
public sealed class WorkflowStepsTests
{
    private static readonly System.Text.Json.Nodes.JsonNode Workflow = WorkflowYaml.Workflow("provision-agent.yml");

    private static List<string> ProvisionStepNames() =>
        WorkflowYaml.Steps(Workflow).Where(s => s.Job == "provision").Select(s => (string?)s.Step["name"] ?? throw new Xunit.Sdk.XunitException("a provision step without a name: GitHub would name it after its command")).ToList();

    [Fact]
    public void Mapping_NamesEveryStepOfTheProvisionJob_InTheWorkflowsOrder()
    {
        var mapped = WorkflowSteps.ProvisionSteps.Select(s => s.Name).Where(n => n != "Set up job").ToList();
        Assert.Equal(ProvisionStepNames(), mapped);
        Assert.Equal(WorkflowSteps.ProvisionJob, (string?)Workflow["jobs"]!["provision"]!["name"]);
    }

    [Fact]
    public void Mapping_FollowsTheWorkflowsPhaseMarkers()
    {
        // The workflow marks its phases with "[provision]", "[install]", "[configure]" comments: the steps after each map to that phase.
        var text = WorkflowYaml.ReadText(".github", "workflows", "provision-agent.yml");
        foreach (var (name, index, phase) in WorkflowSteps.ProvisionSteps.Where(s => s.Phase is not null))
        {
            var at = text.IndexOf($"- name: {name}", StringComparison.Ordinal);
            Assert.True(at > 0, $"step {name} not in the workflow");
            var marker = text.LastIndexOf("# [", at, StringComparison.Ordinal);
            Assert.Equal($"# [{phase}]", text.Substring(marker, phase!.Length + 4));
            Assert.Equal(index, StepNames.StepOfFailure(phase));
        }
    }

    [Theory]
    [InlineData("Create the server", 1, "provision")]
    [InlineData("Install dependencies on the server", 2, "install")]
    [InlineData("Configure the agent", 3, "configure")]
    [InlineData("Claim the job", 0, null)]
    [InlineData("Report running", 4, null)]
    public void Of_KnownStep_GivesItsProjectedStep(string name, int index, string? phase) =>
        Assert.Equal((index, phase), WorkflowSteps.Of(name));

    [Fact]
    public void Of_StepThisWorkflowDoesNotHave_IsNull()
    {
        Assert.Null(WorkflowSteps.Of("Post Check out the scripts and playbooks"));
        Assert.Null(WorkflowSteps.Of(null));
    }
}
