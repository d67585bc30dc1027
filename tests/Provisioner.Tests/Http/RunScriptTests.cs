using System.Diagnostics;
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
        using (var first = await RunShAsync(port))
        {
            using var client = Client(port);
            var created = await client.PostAsJsonAsync("api/jobs", new { agent_id = Runner.NewAgentId(), region = "eu-central" });
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            job = (await Runner.ReadJsonAsync(created)).GetProperty("job_id").GetGuid();
        }

        using (var again = await RunShAsync(port))
        {
            using var client = Client(port);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"api/jobs/{job}", UriKind.Relative))).StatusCode);
        }

        using (var fresh = await RunShAsync(port, "--fresh"))
        {
            using var client = Client(port);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"api/jobs/{job}", UriKind.Relative))).StatusCode);
        }
    }

    private static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

    private async Task<RunSh> RunShAsync(int port, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "run.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_LOCATION"] = _data;
        start.Environment["AzureWebJobs.DispatchJob.Disabled"] = "true"; // the jobs stay queued: nothing but storage decides what is found
        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = Client(port);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            try
            {
                if ((await probe.GetAsync(new Uri("api/agents/probe/provisioning", UriKind.Relative))).StatusCode == HttpStatusCode.NotFound)
                {
                    return new RunSh(process);
                }
            }
            catch (HttpRequestException)
            {
                // not up yet
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                new RunSh(process).Dispose();
                throw new InvalidOperationException("./run.sh did not come up:\n" + string.Join('\n', output));
            }

            await Task.Delay(200);
        }
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    /// <summary>Stops ./run.sh as Ctrl-C would (its trap stops Azurite and the backend) and waits for it.</summary>
    private sealed class RunSh(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
            {
                using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                kill.WaitForExit();
                if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            process.Dispose();
        }
    }
}
