using System.Net;
using System.Net.Http.Json;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Http;

/// <summary>./run.sh as a developer uses it: stopping and starting it again keeps every job; --fresh starts empty.</summary>
[Collection(DevelopmentStoragePorts.Name)]
public sealed class RunScriptTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("run-sh-data-").FullName;

    [Fact]
    public async Task RunSh_Restarted_KeepsTheJobs_AndFreshStartsEmpty()
    {
        Assert.False(await Azurite.IsListeningAsync(10002), "ports 10000-10002 must be free for this test: stop the ./run.sh or Azurite that uses them");
        var port = Azurite.FreePort();

        Guid job;
        await using (var first = await RunShAsync(port))
        {
            using var client = Client(port);
            var created = await client.PostAsJsonAsync("api/jobs", new { agent_id = Runner.NewAgentId(), region = "eu-central" });
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
        }

        await using (var again = await RunShAsync(port))
        {
            using var client = Client(port);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"api/jobs/{job}", UriKind.Relative))).StatusCode);
        }

        await using (var fresh = await RunShAsync(port, "--fresh"))
        {
            using var client = Client(port);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"api/jobs/{job}", UriKind.Relative))).StatusCode);
        }
    }

    private static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

    /// <summary>./run.sh, up and answering; disposing it stops it as Ctrl-C would (its trap stops Azurite and the backend) and waits for it.</summary>
    private async Task<ChildProcess> RunShAsync(int port, params string[] args)
    {
        var process = ChildProcess.Start(new ChildProcessOptions("bash", [Path.Combine(RepositoryRoot.Path, "run.sh"), .. args])
        {
            WorkingDirectory = RepositoryRoot.Path,
            Environment = new Dictionary<string, string?>
            {
                ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["AZURITE_LOCATION"] = _data,
                ["AzureWebJobs.DispatchJob.Disabled"] = "true", // the jobs stay queued: nothing but storage decides what is found
            },
            StopSignal = "INT",
            StopGrace = TimeSpan.FromSeconds(30),
        });
        try
        {
            using var probe = Client(port);
            await process.WaitUntilReadyAsync(
                async () => (await probe.GetAsync(new Uri("api/agents/probe/provisioning", UriKind.Relative))).StatusCode == HttpStatusCode.NotFound,
                TimeSpan.FromMinutes(3),
                TimeSpan.FromMilliseconds(200));
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
