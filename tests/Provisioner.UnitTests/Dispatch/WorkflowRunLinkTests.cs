using Provisioner.Functions.Dispatch;

namespace Provisioner.Tests.Dispatch;

public sealed class WorkflowRunLinkTests
{
    public static TheoryData<string, string> WebHosts => new()
    {
        // github.com
        { "https://api.github.com/", "https://github.com/" },
        { "https://api.github.com", "https://github.com/" },
        { "https://API.GitHub.com/", "https://github.com/" },

        // GitHub Enterprise Server: the API lives under /api/v3 on the web host.
        { "https://ghe.example.com/api/v3/", "https://ghe.example.com/" },
        { "https://ghe.example.com/api/v3", "https://ghe.example.com/" },
        { "https://ghe.example.com:8443/api/v3/", "https://ghe.example.com:8443/" },

        // GHE.com data residency: api.SUBDOMAIN.ghe.com.
        { "https://api.octocorp.ghe.com/", "https://octocorp.ghe.com/" },
        { "https://api.eu-tenant.ghe.com", "https://eu-tenant.ghe.com/" },

        // Anything else (a local fake GitHub): its own root.
        { "http://127.0.0.1:5123/", "http://127.0.0.1:5123/" },
        { "https://api.ghe.com/", "https://api.ghe.com/" },
    };

    [Theory]
    [MemberData(nameof(WebHosts))]
    public void WebUrl_ApiUrl_GivesTheWebHost(string apiUrl, string expected) =>
        Assert.Equal(expected, WorkflowRunLink.WebUrl(new Uri(apiUrl)).AbsoluteUri);

    public static TheoryData<string?, string?, string, string, string?> Runs => new()
    {
        { "octo-org", "agents", "https://api.github.com/", "987654321", "https://github.com/octo-org/agents/actions/runs/987654321" },
        { "octo-org", "agents", "https://ghe.example.com/api/v3/", "42", "https://ghe.example.com/octo-org/agents/actions/runs/42" },
        { "octo-org", "agents", "https://api.octocorp.ghe.com/", "42", "https://octocorp.ghe.com/octo-org/agents/actions/runs/42" },

        // A re-run: this project's workflow names it {run_id}.{run_attempt}.
        { "octo-org", "agents", "https://api.github.com/", "42.2", "https://github.com/octo-org/agents/actions/runs/42/attempts/2" },

        // Not configured (the simulated workflow), or not a GitHub run id: no link rather than a wrong one.
        { null, "agents", "https://api.github.com/", "42", null },
        { "octo-org", "", "https://api.github.com/", "42", null },
        { "octo-org", "agents", "https://api.github.com/", "sim-4242", null },
        { "octo-org", "agents", "https://api.github.com/", "1.2.3", null },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void For_RunId_BuildsTheRunsAddress(string? owner, string? repo, string apiUrl, string runId, string? expected)
    {
        var options = new DispatchOptions { Owner = owner, Repo = repo, ApiUrl = new Uri(apiUrl) };
        Assert.Equal(expected, WorkflowRunLink.For(options, runId));
    }
}
